/**
 * The status page's traces: the latest traces the collector kept (GET /api/traces, newest
 * first), and one trace as a waterfall of its spans when clicked (GET /api/traces/:id): front door
 * → shop → its queries and cache calls → the outbox publish → the consumers, each span indented
 * under its parent, its bar placed on the trace's timeline, its attributes shown when clicked.
 * Markup and script for status-page.ts; the script uses the page's `esc` and puts every span
 * field into the page as text, never as markup.
 */
export function tracesViewHtml(): string {
  return `<h2>Traces</h2>
<style>
  #waterfall .span { display: grid; grid-template-columns: minmax(16rem, 40%) 1fr 5.5rem; gap: .5rem; align-items: center; padding: 1px 0; cursor: pointer; }
  #waterfall .span:hover { background: #f6f8fa; }
  #waterfall .name { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 12px; }
  #waterfall .lane { position: relative; height: .8rem; background: #f6f8fa; }
  #waterfall .bar { position: absolute; top: 0; bottom: 0; min-width: 2px; border-radius: 2px; }
  #waterfall .error { outline: 2px solid #a40e26; }
  #waterfall .ms { text-align: right; font-size: 12px; color: #57606a; }
</style>
<div class="box">
  <div class="muted" id="traceinfo">reading the traces…</div>
  <table id="traces"></table>
  <div id="traceview" hidden style="margin-top:.75rem;border-top:1px solid #d0d7de;padding-top:.5rem">
    <b id="tracetitle"></b> <span class="muted" id="tracehead"></span>
    <div id="waterfall" style="margin-top:.5rem"></div>
    <pre id="spanattrs" hidden style="white-space:pre-wrap;max-height:18rem;overflow:auto;background:#f6f8fa;padding:.5rem"></pre>
  </div>
</div>`;
}

/** The list is read again every `refreshMs`; a trace's waterfall when it is clicked. */
export function tracesViewScript(refreshMs: number): string {
  return `
const SERVICE_COLOURS = ['#0969da', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#cf222e', '#57606a'];
const serviceColour = new Map();
const colourOf = (service) => {
  if (!serviceColour.has(service)) serviceColour.set(service, SERVICE_COLOURS[serviceColour.size % SERVICE_COLOURS.length]);
  return serviceColour.get(service);
};
const ms = (n) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n)) + ' ms';
async function refreshTraces() {
  let t;
  try { t = await (await fetch('/api/traces')).json(); } catch { return; }
  document.getElementById('traceinfo').textContent = t.traces.length ? 'the latest ' + t.traces.length + (t.traces.length === 1 ? ' trace' : ' traces') + ', from ' + t.dir : 'no traces yet (' + t.dir + ')';
  document.getElementById('traces').innerHTML = '<tr><th>started</th><th>trace</th><th>through</th><th>spans</th><th>duration</th></tr>' +
    t.traces.map((x) => '<tr><td>' + esc(new Date(x.startMs).toLocaleTimeString()) + '</td><td><a href="#" data-trace="' + esc(x.traceId) + '">' + esc(x.name) + '</a>' +
      (x.errors ? ' ' + badge(x.errors + ' failed', 'bad') : '') + '</td><td>' + x.services.map(esc).join(' → ') + '</td><td>' + x.spans + '</td><td>' + ms(x.durationMs) + '</td></tr>').join('');
}
async function showTrace(id) {
  document.getElementById('traceview').hidden = false;
  const title = document.getElementById('tracetitle'), head = document.getElementById('tracehead'), fall = document.getElementById('waterfall'), attrs = document.getElementById('spanattrs');
  attrs.hidden = true;
  const r = await fetch('/api/traces/' + encodeURIComponent(id));
  const x = await r.json();
  if (!r.ok) { title.textContent = id; head.textContent = x.message; fall.innerHTML = ''; return; }
  const byId = new Map(x.spans.map((s) => [s.spanId, s]));
  const children = new Map();
  const roots = [];
  for (const s of x.spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId)) (children.get(s.parentSpanId) ?? children.set(s.parentSpanId, []).get(s.parentSpanId)).push(s);
    else roots.push(s);
  }
  const rows = [];
  const walk = (s, depth) => { rows.push([s, depth]); for (const c of (children.get(s.spanId) ?? []).sort((a, b) => a.startMs - b.startMs)) walk(c, depth + 1); };
  for (const s of roots.sort((a, b) => a.startMs - b.startMs)) walk(s, 0);
  const start = Math.min(...x.spans.map((s) => s.startMs));
  const total = Math.max(0.001, Math.max(...x.spans.map((s) => s.startMs + s.durationMs)) - start);
  title.textContent = (rows[0] ? rows[0][0].service + ': ' + rows[0][0].name : id);
  head.textContent = 'trace ' + x.traceId + ' · ' + x.spans.length + ' spans · ' + ms(total) + ' · ' + new Date(start).toLocaleString();
  fall.innerHTML = rows.map(([s, depth]) =>
    '<div class="span" data-span="' + esc(s.spanId) + '"><div class="name" style="padding-left:' + depth + 'em" title="' + esc(s.name) + '">' + esc(s.name) +
    ' <span class="muted">' + esc(s.service) + (s.instance ? ' ' + esc(s.instance) : '') + '</span></div><div class="lane"><div class="bar' + (s.status === 'error' ? ' error' : '') +
    '" style="left:' + ((s.startMs - start) / total * 100).toFixed(2) + '%;width:' + (s.durationMs / total * 100).toFixed(2) + '%;background:' + colourOf(s.service) + '"></div></div><div class="ms">' + ms(s.durationMs) + '</div></div>').join('');
  fall.onclick = (e) => {
    const row = e.target.closest('[data-span]');
    const s = row && byId.get(row.dataset.span);
    if (!s) return;
    attrs.hidden = false;
    attrs.textContent = s.service + ' · ' + s.kind + ' · ' + s.name + ' · ' + ms(s.durationMs) + (s.status === 'error' ? ' · failed' + (s.statusMessage ? ': ' + s.statusMessage : '') : '') + '\\n' +
      Object.entries(s.attributes).map(([k, v]) => k + ' = ' + v).join('\\n');
  };
}
document.getElementById('traces').addEventListener('click', (e) => {
  const link = e.target.closest('[data-trace]');
  if (!link) return;
  e.preventDefault();
  void showTrace(link.dataset.trace);
});
refreshTraces();
setInterval(refreshTraces, ${refreshMs});
`;
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DrillReport } from './drill-report.js';

const require = createRequire(import.meta.url);

/** uPlot is inlined so the report is one file that opens anywhere, offline (uPlot's dist ships an IIFE build). */
function uplotAssets(): { js: string; css: string } {
  const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return { js, css };
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside a <script> must not close it early. */
const scriptSafe = (s: string): string => s.replace(/</g, '\\u003c');

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === 'object') return escapeHtml(JSON.stringify(value));
  return escapeHtml(String(value));
}

/** Chart size in CSS pixels; the PNG is rendered at this width. */
export const CHART_WIDTH = 1000;
const CHART_HEIGHT = 340;
const EXTRA_CHART_HEIGHT = 260;
/** Series colours of the extra charts, in order. */
const PALETTE = ['#2563eb', '#d97706', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777'];

/** A self-contained HTML report: verdict, figures beside their anchors, and the per-second timeline. */
export function renderHtmlReport(report: DrillReport): string {
  const { js, css } = uplotAssets();
  const t = report.timeline;
  const data = [t.map((p) => p.second), t.map((p) => p.requests), t.map((p) => p.errors), t.map((p) => p.p99Ms)];
  const figureRows = Object.entries(report.figures)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${formatValue(v)}</td></tr>`)
    .join('');
  const anchorRows = report.anchors
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.event)}</td><td>${escapeHtml(a.figure)} = ${formatValue((report.figures as unknown as Record<string, unknown>)[a.figure])}</td>` +
        `<td>${escapeHtml(a.published)}</td><td><a href="${escapeHtml(a.url)}">${escapeHtml(a.source)}</a></td></tr>`,
    )
    .join('');
  const verdict = report.passed
    ? '<p class="ok">Reconciliation passed: no lost, duplicate or oversold order.</p>'
    : `<div class="bad"><p>Reconciliation FAILED:</p><ul>${report.violations.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul></div>`;
  const charts = report.charts ?? [];
  const chartBlocks = charts.map((c, i) => `<h2>${escapeHtml(c.title)}</h2><div id="chart-${i}"></div>`).join('\n');
  const notes = report.notes.length ? `<h2>Notes</h2><ul>${report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evermall drill: ${escapeHtml(report.drill)}</title>
<style>${css}
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111;max-width:${CHART_WIDTH + 40}px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:20px 0 6px}
table{border-collapse:collapse;margin:4px 0} th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f6f6;font-weight:600} .ok{color:#166534;font-weight:600} .bad{color:#991b1b;font-weight:600}
.meta{color:#555} .legend-note{color:#555;font-size:12px}
</style></head><body>
<h1>Drill: ${escapeHtml(report.drill)}</h1>
<p class="meta">Started ${escapeHtml(report.startedAt)} · finished ${escapeHtml(report.finishedAt)} · ${escapeHtml(String(report.machine.cpus))} CPUs, ${escapeHtml(String(report.machine.cpuModel))}</p>
${verdict}
<h2>Timeline (per second, by send time)</h2>
<div id="chart"></div>
<p class="legend-note">Dashed lines: red = fault injected, green = recovered, grey = restore / other events.</p>
${chartBlocks}
<h2>Figures</h2><table>${figureRows}</table>
<h2>Beside the published figures</h2>
<table><tr><th>event</th><th>measured here</th><th>published</th><th>source</th></tr>${anchorRows}</table>
${notes}
<h2>Settings</h2><pre>${escapeHtml(JSON.stringify(report.settings, null, 2))}</pre>
<script>${js.replace(/<\/script/gi, '<\\/script')}</script>
<script id="data" type="application/json">${scriptSafe(JSON.stringify({ data, marks: report.marks, charts }))}</script>
<script>
(function () {
  var payload = JSON.parse(document.getElementById('data').textContent);
  var lastMark = payload.marks.reduce(function (m, k) { return Math.max(m, k.at); }, 0);
  var colours = { fault: '#dc2626', recovery: '#16a34a', restore: '#6b7280', info: '#6b7280' };
  function drawMarks(u) {
    var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
    payload.marks.forEach(function (m, i) {
      var x = u.valToPos(m.at, 'x', true);
      ctx.save();
      ctx.strokeStyle = colours[m.kind] || '#6b7280';
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
      ctx.font = (12 * devicePixelRatio) + 'px system-ui,sans-serif';
      ctx.fillText(m.label, x + 4 * devicePixelRatio, top + (14 + 14 * (i % 3)) * devicePixelRatio);
      ctx.restore();
    });
  }
  new uPlot({
    width: ${CHART_WIDTH}, height: ${CHART_HEIGHT},
    scales: {
      x: { time: false, range: function (u, min, max) { return [0, Math.max(max, lastMark) + 1]; } },
      ms: { auto: true }
    },
    series: [
      { label: 'second' },
      { label: 'requests/s', stroke: '#2563eb', width: 1.5 },
      { label: 'errors/s', stroke: '#dc2626', width: 1.5, fill: 'rgba(220,38,38,0.12)' },
      { label: 'p99 ms', stroke: '#d97706', width: 1.5, scale: 'ms', spanGaps: false }
    ],
    axes: [
      { label: 'seconds since start' },
      { label: 'requests, errors per second' },
      { side: 1, scale: 'ms', label: 'p99 latency (ms)', grid: { show: false } }
    ],
    hooks: { draw: [drawMarks] }
  }, payload.data, document.getElementById('chart'));
  payload.charts.forEach(function (c, i) {
    var palette = ${JSON.stringify(PALETTE)};
    new uPlot({
      width: ${CHART_WIDTH}, height: ${EXTRA_CHART_HEIGHT},
      scales: { x: { time: false } },
      series: [{ label: c.xLabel }].concat(c.series.map(function (s, k) {
        return { label: s.label, stroke: palette[k % palette.length], width: 1.5, spanGaps: false, points: { show: true, size: 4 } };
      })),
      axes: [{ label: c.xLabel }, { label: c.yLabel }]
    }, [c.x].concat(c.series.map(function (s) { return s.values; })), document.getElementById('chart-' + i));
  });
  window.__chartReady = true;
})();
</script>
</body></html>
`;
}

import { controllerSettings, tracingSettings } from '../config/twin-settings.js';
import { tracesViewHtml, tracesViewScript } from './traces-view.js';
import { mailboxViewHtml, mailboxViewScript } from './mailbox-view.js';

/**
 * The status page: one self-contained HTML document that polls /api/status and draws the
 * topology (front door → load balancer → zones with instances and DB nodes), traffic, the
 * event log, the mailbox (mailbox-view.ts) and the latest traces (traces-view.ts).
 */
export function statusPageHtml(): string {
  const refreshMs = controllerSettings.tickMs * 2;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Evermall twin</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1f2328; background: #f6f8fa; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  .row { display: flex; gap: 1rem; align-items: stretch; flex-wrap: wrap; margin: .75rem 0; }
  .box { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: .75rem 1rem; min-width: 14rem; }
  .zone { flex: 1; }
  .arrow { text-align: center; color: #57606a; margin: .25rem 0; }
  .badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-weight: 600; }
  .ok { background: #dafbe1; color: #116329; } .bad { background: #ffebe9; color: #a40e26; } .warn { background: #fff8c5; color: #7d4e00; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .15rem .4rem; border-bottom: 1px solid #eaeef2; }
  .muted { color: #57606a; } code { font-size: 12px; }
  #events td:first-child { white-space: nowrap; color: #57606a; }
</style>
</head>
<body>
<h1>Evermall twin</h1>
<div class="muted">Live view of the one-machine architecture. Refreshes every ${refreshMs / 1000}s. <span id="updated"></span></div>
<div class="row">
  <div class="box"><b>Front door</b> <span id="fd"></span><div class="muted" id="fdcheck"></div></div>
  <div class="box"><b>Traffic</b> (HAProxy) <div id="traffic"></div></div>
  <div class="box"><b>Payments</b> (Toss Payments stand-in) <div id="payments"></div></div>
  <div class="box"><b>Sign-in</b> (user pool, social IdP) <div id="identity"></div></div>
  <div class="box"><b>Auto Scaling group</b> <div id="asg"></div></div>
</div>
<div class="arrow">▼ /api, /media → load balancer (<a id="lb" href="#">HAProxy</a>, <a id="stats" href="#">stats</a>)</div>
<div class="row" id="zones"></div>
<div class="box"><b>Database</b> (pg_auto_failover: monitor outside the zones) <table id="db"></table></div>
<div class="box"><b>Cache</b> (Redis primary and replica, three Sentinels, one primary endpoint through HAProxy) <table id="cache"></table></div>
<div class="box"><b>Message broker</b> (SNS/SQS stand-in: three RabbitMQ nodes, quorum queues on all three, one endpoint through HAProxy) <table id="broker"></table></div>
<h2>Events</h2>
<div class="box"><table id="events"></table></div>
${mailboxViewHtml()}
${tracesViewHtml()}
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const badge = (text, cls) => '<span class="badge ' + cls + '">' + esc(text) + '</span>';
async function refresh() {
  let s;
  try { s = await (await fetch('/api/status')).json(); } catch { document.getElementById('updated').textContent = '— twin not answering'; return; }
  document.getElementById('updated').textContent = '— updated ' + new Date().toLocaleTimeString();
  document.getElementById('fd').innerHTML = badge(s.frontDoor.mode, s.frontDoor.mode === 'primary' ? 'ok' : 'bad') + ' <a href="' + s.frontDoor.url + '">' + esc(s.frontDoor.url) + '</a>';
  document.getElementById('fdcheck').textContent = s.frontDoor.lastCheck ? 'deep check ' + (s.frontDoor.lastCheck.ok ? 'ok' : 'failed') + ': ' + s.frontDoor.lastCheck.detail : 'deep check not run yet';
  document.getElementById('traffic').textContent = s.traffic.rps + ' req/s, p99 ' + s.traffic.p99Ms + ' ms, ' + s.traffic.errorsPerSecond + ' 5xx/s';
  const p = s.payments;
  document.getElementById('payments').innerHTML = (p.running ? '' : badge('stopped', 'bad') + ' ') + '<a href="' + esc(p.url) + '/__standin/payments">' + esc(p.url) + '</a><br>' +
    Object.entries(p.payments).map(([status, n]) => n + ' ' + esc(status)).join(', ');
  const idp = (p, what) => (p.running ? '' : badge('down', 'bad') + ' ') + esc(what) + ' <a href="' + esc(p.issuer) + '/.well-known/openid-configuration">' + esc(p.issuer) + '</a>' + (p.restarts ? ' (restarted ' + p.restarts + '×)' : '');
  document.getElementById('identity').innerHTML = idp(s.identity.userPool, 'user pool') + '<br>' + idp(s.identity.socialIdp, s.identity.socialIdp.displayName) +
    '<br><a href="' + esc(s.identity.userPool.signInUrl) + '">sign in with Kakao</a>';
  const a = s.autoScaling;
  const w = a.warmPool;
  document.getElementById('asg').innerHTML = 'desired ' + a.desired + ' (min ' + a.min + ', max ' + a.max + '), CPU target ' + a.cpuTargetPercent + '%' + (a.blockedZones.length ? ' ' + badge('zone ' + a.blockedZones.join(', ') + ' failed', 'bad') : '') +
    '<br>warm pool ' + w.instances.length + ' of ' + w.size + ': ' + (w.instances.map((i) => esc(i.id) + ' ' + badge(i.state, i.state === 'warmed:stopped' ? 'ok' : 'warn')).join(' ') || '<span class="muted">empty</span>') +
    a.scheduledActions.map((x) => '<br>scheduled ' + esc(x.name) + ' at ' + new Date(x.at).toLocaleTimeString() + ': desired ' + x.desired + (x.min === undefined ? '' : ', min ' + x.min) + (x.max === undefined ? '' : ', max ' + x.max)).join('');
  document.getElementById('lb').href = s.loadBalancer.url; document.getElementById('stats').href = s.loadBalancer.statsUrl;
  const zones = [...new Set([...s.instances.map((i) => i.zone), ...s.database.nodes.map((n) => n.zone), 'a', 'b'])].sort();
  document.getElementById('zones').innerHTML = zones.map((z) => {
    const inst = s.instances.filter((i) => i.zone === z);
    const nodes = s.database.nodes.filter((n) => n.zone === z);
    return '<div class="box zone"><b>Zone ' + esc(z) + '</b>' + (a.blockedZones.includes(z) ? ' ' + badge('failed', 'bad') : '') +
      '<table><tr><th>instance</th><th>port</th><th>state</th><th>health</th><th>CPU</th></tr>' +
      (inst.map((i) => '<tr><td>' + esc(i.id) + (i.fault ? ' ' + badge(i.fault, 'bad') : '') + '</td><td>' + i.port + '</td><td>' + esc(i.state) + '</td><td>' + badge(i.loadBalancerStatus, i.healthy ? 'ok' : i.state === 'draining' ? 'warn' : 'bad') + '</td><td>' + (i.cpuPercent ?? '–') + '% of ' + i.vcpu + ' vCPU</td></tr>').join('') || '<tr><td colspan="5" class="muted">no instances</td></tr>') +
      '</table><div class="muted" style="margin-top:.5rem">DB: ' + (nodes.map((n) => esc(n.name) + ' ' + badge(n.role, n.role === 'down' ? 'bad' : n.role === 'primary' ? 'ok' : 'warn')).join(' ') || 'none') +
      ' · cache: ' + (s.cache.nodes.filter((n) => n.zone === z).map((n) => esc(n.name) + ' ' + badge(n.role, n.role === 'down' ? 'bad' : n.role === 'primary' ? 'ok' : 'warn')).join(' ') || 'none') + '</div></div>';
  }).join('');
  document.getElementById('db').innerHTML = '<tr><th>node</th><th>zone</th><th>port</th><th>role</th><th>state</th><th>replication</th><th>LSN</th></tr>' +
    s.database.nodes.map((n) => '<tr><td>' + esc(n.name) + '</td><td>' + esc(n.zone) + '</td><td>' + n.port + '</td><td>' + badge(n.role, n.role === 'down' ? 'bad' : n.role === 'primary' ? 'ok' : 'warn') + '</td><td>' + esc(n.state) + '</td><td>' + esc(n.replication) + '</td><td><code>' + esc(n.lsn) + '</code></td></tr>').join('') +
    '<tr><td colspan="7" class="muted">writer <code>' + esc(s.database.writerUrl) + '</code><br>reader <code>' + esc(s.database.readerUrl) + '</code></td></tr>';
  const c = s.cache;
  document.getElementById('cache').innerHTML = '<tr><th>node</th><th>zone</th><th>port</th><th>role</th><th>replication</th><th>endpoint</th></tr>' +
    c.nodes.map((n) => '<tr><td>' + esc(n.name) + '</td><td>' + esc(n.zone) + '</td><td>' + n.port + '</td><td>' + badge(n.role, n.role === 'down' ? 'bad' : n.role === 'primary' ? 'ok' : 'warn') +
      (c.failed.includes(n.name) ? ' ' + badge('held down', 'bad') : '') + '</td><td>' + (n.link ? 'from :' + n.link.primaryPort + ', link ' + esc(n.link.status) : '') + '</td><td>' + (n.serving ? badge('serving', 'ok') : '') + '</td></tr>').join('') +
    '<tr><td colspan="6" class="muted">endpoint <code>' + esc(c.url) + '</code>' + (c.endpointRunning ? '' : ' ' + badge('down', 'bad')) + ' · primary by the Sentinels: ' + (c.primary ? 'node ' + esc(c.primary) : badge('none agreed', 'bad')) + ' (' +
    c.sentinels.map((x) => esc(x.name) + ' → ' + (x.running ? esc(x.primary ?? '?') : 'down')).join(', ') + ')</td></tr>';
  const b = s.broker;
  document.getElementById('broker').innerHTML = '<tr><th>node</th><th>port</th><th>process</th><th>endpoint</th></tr>' +
    b.nodes.map((n) => '<tr><td>' + esc(n.name) + '</td><td>' + n.port + '</td><td>' + badge(n.running ? (n.rejoining ? 'rejoining' : 'running') : 'down', n.running ? (n.rejoining ? 'warn' : 'ok') : 'bad') +
      (n.held ? ' ' + badge('held down', 'bad') : '') + (n.restarts ? ' <span class="muted">restarted ' + n.restarts + '×</span>' : '') + '</td><td>' + (n.serving ? badge('serving', 'ok') : '') + '</td></tr>').join('') +
    '<tr><td colspan="4" class="muted">endpoint <code>' + esc(b.endpoint) + '</code>' + (b.endpointRunning ? '' : ' ' + badge('down', 'bad')) + '</td></tr>';
  document.getElementById('events').innerHTML = s.events.slice(-40).reverse().map((e) => '<tr><td>' + new Date(e.at).toLocaleTimeString() + '</td><td><code>' + esc(e.kind) + '</code></td><td>' + esc(e.reason) + '</td></tr>').join('');
}
refresh();
setInterval(refresh, ${refreshMs});
${mailboxViewScript(refreshMs)}${tracesViewScript(tracingSettings.listRefreshMs)}</script>
</body>
</html>
`;
}

import { renderRegionsText } from '../regions/regions-text.js';
import type { TwinStatus } from './status-types.js';

/** The status page, as lines for a terminal (`npm run twin -- status`). */
export function renderStatusText(s: TwinStatus, eventCount = 12): string {
  const lines: string[] = [];
  const a = s.autoScaling;
  lines.push(
    `Front door   ${s.frontDoor.url}  mode: ${s.frontDoor.mode.toUpperCase()}${s.frontDoor.lastCheck ? `  (deep check ${s.frontDoor.lastCheck.ok ? 'ok' : `failed: ${s.frontDoor.lastCheck.detail}`})` : ''}`,
  );
  lines.push(`Load bal.    ${s.loadBalancer.url}  stats ${s.loadBalancer.statsUrl}`);
  const paid = Object.entries(s.payments.payments)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  lines.push(`Payments     ${s.payments.url}  (Toss Payments stand-in${s.payments.running ? '' : ', STOPPED'}): ${paid}`);
  const { userPool, socialIdp } = s.identity;
  const down = (p: { running: boolean; restarts: number }) => `${p.running ? '' : ', DOWN'}${p.restarts ? `, restarted ${p.restarts}×` : ''}`;
  lines.push(`User pool    ${userPool.issuer}  (Cognito stand-in${down(userPool)}); Kakao sign-in starts at ${userPool.signInUrl}`);
  lines.push(`Social IdP   ${socialIdp.issuer}  (${socialIdp.displayName}${down(socialIdp)})`);
  const c = s.cache;
  const sentinelViews = c.sentinels.map((x) => `${x.name} ${x.running ? (x.primary ?? '?') : 'DOWN'}`).join(', ');
  lines.push(`Cache        ${c.url}${c.endpointRunning ? '' : ' (endpoint DOWN)'}  primary: ${c.primary ? `node ${c.primary}` : 'none agreed'}  (Sentinels: ${sentinelViews})`);
  const b = s.broker;
  const brokerNodes = b.nodes
    .map(
      (n) =>
        `${n.name} ${n.running ? (n.rejoining ? 'rejoining' : n.serving ? 'serving' : 'running') : n.held ? 'DOWN (held until restore)' : 'DOWN'}${n.restarts ? ` (restarted ${n.restarts}×)` : ''}`,
    )
    .join(', ');
  lines.push(`Broker       ${b.endpoint}${b.endpointRunning ? '' : ' (endpoint DOWN)'}  nodes: ${brokerNodes}`);
  lines.push(`Traffic      ${s.traffic.rps} req/s, p99 ${s.traffic.p99Ms} ms, ${s.traffic.errorsPerSecond} 5xx/s`);
  lines.push(
    `Scaling      desired ${a.desired} (min ${a.min}, max ${a.max}), CPU target ${a.cpuTargetPercent}%${a.blockedZones.length ? `, FAILED zones: ${a.blockedZones.join(', ')}` : ''}`,
  );
  const w = a.warmPool;
  const pooled = w.instances.map((i) => `${i.id} (zone ${i.zone}, ${i.state})`).join(', ');
  lines.push(
    `Warm pool    ${w.instances.length} of ${w.size} (min ${w.minSize}${w.maxGroupPreparedCapacity === null ? '' : `, max prepared ${w.maxGroupPreparedCapacity}`})${pooled ? `: ${pooled}` : ''}`,
  );
  for (const action of a.scheduledActions) {
    const bounds = `${action.min === undefined ? '' : `, min ${action.min}`}${action.max === undefined ? '' : `, max ${action.max}`}`;
    lines.push(`Scheduled    ${action.name} at ${action.at}: desired ${action.desired}${bounds}`);
  }
  const zones = [...new Set(['a', 'b', ...s.instances.map((i) => i.zone)])].sort();
  for (const z of zones) {
    lines.push('', `Zone ${z}${a.blockedZones.includes(z as 'a') ? '  [FAILED]' : ''}`);
    const inst = s.instances.filter((i) => i.zone === z);
    if (inst.length === 0) lines.push('  (no instances)');
    for (const i of inst)
      lines.push(
        `  ${i.id.padEnd(8)} :${String(i.port).padEnd(6)} ${i.state.padEnd(11)} ${i.loadBalancerStatus.padEnd(10)} CPU ${i.cpuPercent ?? '–'}% of ${i.vcpu} vCPU${i.fault ? `  (${i.fault})` : ''}`,
      );
    for (const n of s.database.nodes.filter((d) => d.zone === z))
      lines.push(`  db ${n.name.padEnd(8)} :${String(n.port).padEnd(6)} ${n.role.padEnd(8)} ${n.state} (${n.replication})`);
    for (const n of s.cache.nodes.filter((d) => d.zone === z)) {
      const notes = [
        n.link ? `replicates :${n.link.primaryPort}, link ${n.link.status}` : n.role === 'primary' ? 'takes writes' : '',
        n.serving ? 'behind the endpoint' : '',
        s.cache.failed.includes(n.name) ? 'held down until restore' : '',
        n.restarts ? `restarted ${n.restarts}×` : '',
      ].filter((note) => note !== '');
      lines.push(`  cache ${n.name.padEnd(5)} :${String(n.port).padEnd(6)} ${n.role.padEnd(8)} ${notes.join(', ')}`);
    }
  }
  if (s.regions) lines.push('', ...renderRegionsText(s.regions));
  lines.push('', `Database     writer ${s.database.writerUrl}`, `             reader ${s.database.readerUrl}`, '', 'Recent events');
  for (const e of s.events.slice(-eventCount)) lines.push(`  ${e.at.slice(11, 19)}  ${e.kind.padEnd(22)} ${e.reason}`);
  return lines.join('\n');
}

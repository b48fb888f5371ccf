import type { RegionsStatus } from './region-failover.js';

/** The second region's lines of `npm run twin -- status`. */
export function renderRegionsText(r: RegionsStatus): string[] {
  const records = r.globalFrontDoor.records.map((x) => `${x.name} (${x.role}) ${x.status}`).join(', ');
  const b = r.b;
  const db = b.database;
  const replication =
    db.role === 'standby'
      ? db.streamingFrom === null
        ? db.replicationPaused
          ? 'replication PAUSED'
          : 'NOT streaming'
        : `streams from :${db.streamingFrom}, last commit replayed ${db.lastReplayedCommitAt ?? 'none yet'}`
      : db.role;
  const fenced = r.a.fencedPrimary;
  return [
    `Global       ${r.globalFrontDoor.url}  primary region ${r.primaryRegion}; records: ${records}`,
    `Region a     ${r.a.state.toUpperCase()}${fenced ? `; old primary node ${fenced.node} :${fenced.port} ${fenced.state}${fenced.streamingFrom ? ` (streams from :${fenced.streamingFrom})` : ''}` : ''}`,
    `Region b     front door ${b.frontDoor.url} mode ${b.frontDoor.mode.toUpperCase()}; load balancer ${b.loadBalancer.url}; desired ${b.desired}: ${b.instances.map((i) => `${i.id} (zone ${i.zone}) ${i.loadBalancerStatus}`).join(', ') || 'no instances'}`,
    `             db :${db.port} ${db.role.toUpperCase()}, ${replication}`,
    ...(r.promotion
      ? [`             promoted ${r.promotion.promotedAt} in ${r.promotion.totalSeconds.toFixed(1)} s; last commit from region a ${r.promotion.lastReplayedCommitAt ?? 'none'}`]
      : []),
    ...r.reconciliations.map((f) => `             reconciliation ${f}`),
  ];
}

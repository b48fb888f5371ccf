import { autoScaling, targetHealthCheck } from '@evermall/topology';
import { requireTwin, sleep, type Drill, type DrillEnv, type DrillRun } from './drill.js';
import { sampleCatalog } from '../load/catalog.js';
import { PageVisitors } from '../load/page-loads.js';
import { longestCheckoutGapSeconds, round } from './figures.js';
import { holdFault } from './fault-window.js';
import { SplitBrainProbe, type SplitBrainFigures } from './split-brain-probe.js';
import { withSteadyLoad } from './steady-load.js';
import type { TwinStatus } from '../status/status-types.js';
import { healthyInstances } from './twin-watcher.js';

const seconds = (from: number, to: number | undefined): number | null => (to === undefined ? null : round((to - from) / 1000));
const inService = (s: TwinStatus) => s.instances.filter((i) => i.state === 'in-service' || i.state === 'pending');
const primaryOf = (s: TwinStatus) => s.database.nodes.find((n) => n.role === 'primary')?.name;
/** `x-served-by` is `<instance id>@<zone>` (shop/src/plugins/identity.ts). */
const instanceOf = (servedBy: string) => servedBy.split('@')[0] ?? servedBy;

/** After `restore`, waits until the twin serves from the primary site with its full fleet again. */
async function restoreAndWait(env: DrillEnv, mark: (kind: 'restore' | 'recovery', label: string, at?: number) => number, fleet: number) {
  const { twin, watcher } = requireTwin(env);
  const restoredAt = mark('restore', 'restore');
  await twin.command('restore');
  const back = await watcher.waitFor(restoredAt, env.options.recoveryTimeoutSeconds * 1000, (s) => s.frontDoor.mode === 'primary' && healthyInstances(s).length >= fleet);
  if (back) mark('recovery', 'fleet back after restore', back);
  return { restoredAt, back };
}

/** instance-crash: SIGKILL one instance under load; the load balancer routes around it, the controller replaces it. */
export function instanceCrashDrill(): Drill {
  return {
    name: 'instance-crash',
    fault: 'SIGKILL one instance',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      let faultAt = 0;
      let recoveredAt: number | undefined;
      let victim: string | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        const status = await twin.status();
        const before = healthyInstances(status);
        const known = new Set(status.instances.map((i) => i.id));
        victim = before[0]?.id;
        faultAt = mark('fault', `SIGKILL ${victim ?? 'an instance'}`);
        await twin.command('kill-instance', victim ? { id: victim } : {});
        env.log(`  killed ${victim}; waiting for its replacement to serve and ${before.length} healthy instances again`);
        // Restored means: an instance launched after the fault serves, and the fleet is as big as before.
        // An instance that was already launching at the fault does not count as the replacement.
        recoveredAt = await watcher.waitFor(faultAt, env.options.recoveryTimeoutSeconds * 1000, (s) => {
          const healthy = healthyInstances(s);
          return healthy.length >= before.length && !healthy.some((i) => i.id === victim) && healthy.some((i) => !known.has(i.id));
        });
        if (recoveredAt) mark('recovery', 'capacity restored', recoveredAt);
      });
      return {
        ledger: load.ledger,
        marks,
        figures: { recoverySeconds: seconds(faultAt, recoveredAt) },
        notes: [`killed instance ${victim}; recoverySeconds runs from SIGKILL until its replacement serves and as many instances are healthy as before`],
        settings: { victim, recoveryTimeoutSeconds: env.options.recoveryTimeoutSeconds },
        faultWindow: { from: faultAt, to: recoveredAt ?? Date.now() },
      };
    },
  };
}

/**
 * zone-outage: every instance and DB node of one zone dies; the other zone must carry the shop alone.
 * The zone is the one holding the DB primary (zone a on a fresh twin), so the outage costs a failover
 * too, as losing an AZ with the RDS primary in it does.
 */
export function zoneOutageDrill(): Drill {
  return {
    name: 'zone-outage',
    fault: 'fail-zone (the zone of the DB primary: a on a fresh twin)',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      let zone = 'a';
      let faultAt = 0;
      let fullAt: number | undefined;
      let newPrimaryAt: number | undefined;
      let fleet = 0;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        const before = await twin.status();
        fleet = healthyInstances(before).length;
        const oldPrimary = primaryOf(before);
        zone = before.database.nodes.find((n) => n.role === 'primary')?.zone ?? zone;
        faultAt = mark('fault', `fail-zone ${zone}`);
        await twin.command('fail-zone', { zone });
        env.log(`  zone ${zone} failed; waiting for ${fleet} healthy instances outside it`);
        const [full, promoted] = await Promise.all([
          watcher.waitFor(faultAt, env.options.recoveryTimeoutSeconds * 1000, (s) => healthyInstances(s).filter((i) => i.zone !== zone).length >= fleet),
          watcher.waitFor(faultAt, env.options.recoveryTimeoutSeconds * 1000, (s) => {
            const p = primaryOf(s);
            return p !== undefined && (p !== oldPrimary || !s.database.nodes.some((n) => n.zone === zone && n.role === 'primary'));
          }),
        ]);
        fullAt = full;
        newPrimaryAt = promoted;
        if (promoted) mark('info', 'DB primary outside the zone', promoted);
        if (full) mark('recovery', `full capacity outside zone ${zone}`, full);
        await sleep(env.options.settleSeconds * 1000);
        await restoreAndWait(env, mark, fleet);
      });
      const end = fullAt ?? Date.now();
      return {
        ledger: load.ledger,
        marks,
        figures: {
          timeToFullCapacitySeconds: seconds(faultAt, fullAt),
          recoverySeconds: seconds(faultAt, fullAt),
          checkoutOutageSeconds: round(longestCheckoutGapSeconds(load.ledger, faultAt, Math.max(end, newPrimaryAt ?? 0) + env.options.settleSeconds * 1000)),
          writeOutageSeconds: round(longestCheckoutGapSeconds(load.ledger, faultAt, Math.max(end, newPrimaryAt ?? 0) + env.options.settleSeconds * 1000)),
        },
        notes: [
          'checkoutOutageSeconds is the longest time after the fault in which no checkout was acknowledged',
          `DB primary outside zone ${zone} after ${seconds(faultAt, newPrimaryAt) ?? 'n/a'} s`,
        ],
        settings: { zone, fleet },
        faultWindow: { from: faultAt, to: end },
      };
    },
  };
}

/**
 * When the database itself had a new primary, by the monitor's event log as the twin's database
 * watcher reports it with `db-primary-changed` (database/database-watcher.ts): read-only since
 * `readOnlyAt`, taking writes since `writableAt`. Epoch ms; undefined when not reported.
 */
function promotionAfter(env: DrillEnv, faultAt: number): { readOnlyAt?: number; writableAt?: number } {
  const changed = env.watcher?.eventsSince(faultAt).find((e) => e.kind === 'db-primary-changed');
  const at = (field: string) => (typeof changed?.[field] === 'string' ? Date.parse(changed[field]) : undefined);
  return { readOnlyAt: at('readOnlyAt'), writableAt: at('writableAt') };
}

/** db-failover: the DB primary dies; pg_auto_failover promotes the synchronous standby. */
export function dbFailoverDrill(): Drill {
  return dbPrimaryDrill('db-failover', 'fail-db-primary');
}

/**
 * hung-db-primary: the database primary is frozen (SIGSTOP), not crashed: its connections stay
 * open and only timeouts tell the monitor and the shop. The monitor promotes the standby; restore
 * thaws the old primary, which must come back as a standby and never have accepted a write the
 * shop acknowledged (reconciliation: every acknowledged order is on the surviving primary, none twice).
 */
export function hungDbPrimaryDrill(): Drill {
  return dbPrimaryDrill('hung-db-primary', 'hang-db-primary');
}

/**
 * zone-partition: the network between the zones splits silently (packets dropped, nothing
 * refused) for the fault window, under load. Zone a's instances and database nodes lose zone b's
 * database nodes and the other way round; the monitor, the load balancer and the front door
 * still reach both sides, as RDS's control plane and an ALB would. The monitor decides what each
 * node is; the drill asks both failover candidates twice a second whether they commit a write
 * (split brain if both do in one round) and the reconciliation checks that every acknowledged
 * order is on the primary that survives, once.
 */
export function zonePartitionDrill(): Drill {
  return {
    name: 'zone-partition',
    fault: 'partition-zones: zone a and zone b lose each other (dropped packets); the monitor sees both',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      const faultSeconds = env.options.grayFaultSeconds;
      let faultAt = 0;
      let restoredAt = 0;
      let loadEnd = 0;
      let primaryBefore: string | undefined;
      let primaryAfter: string | undefined;
      let settledAt: number | undefined;
      const primaries = new Set<string>();
      let splitFigures: SplitBrainFigures | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        const before = await twin.status();
        const fleet = healthyInstances(before).length;
        primaryBefore = primaryOf(before);
        const candidates = before.database.nodes.filter((n) => n.role === 'primary' || n.role === 'standby');
        const probe = new SplitBrainProbe(before.database.writerUrl, candidates);
        probe.start();
        try {
          const fault = { label: 'partition-zones', inject: () => twin.command('partition-zones'), restoreLabel: 'restore (heal)', restore: () => twin.restore() };
          env.log(`  zones a and b lose each other for ${faultSeconds} s; the primary is ${primaryBefore ?? '?'}`);
          ({ faultAt, restoredAt } = await holdFault(mark, fault, faultSeconds, async (from) => {
            // What the monitor made of it while the split held: every node it called primary.
            while (Date.now() < from + faultSeconds * 1000) {
              const p = watcher.latest ? primaryOf(watcher.latest) : undefined;
              if (p) primaries.add(p);
              await sleep(500);
            }
          }));
          // Healed: one primary, its standby streaming again (no pending state change), the fleet whole.
          settledAt = await watcher.waitFor(restoredAt, env.options.recoveryTimeoutSeconds * 1000, (s) => {
            const ab = s.database.nodes.filter((n) => n.role === 'primary' || n.role === 'standby');
            return (
              ab.length === candidates.length &&
              ab.filter((n) => n.role === 'primary').length === 1 &&
              ab.every((n) => n.running && !n.state.includes('→')) &&
              healthyInstances(s).length >= fleet
            );
          });
          if (settledAt) mark('recovery', 'one primary, standby streaming, fleet whole', settledAt);
          primaryAfter = watcher.latest ? primaryOf(watcher.latest) : undefined;
          await sleep(env.options.settleSeconds * 1000);
          loadEnd = Date.now();
        } finally {
          const split = await probe.stop();
          env.log(`  split-brain rounds ${split.splitBrainRounds} of ${split.rounds}; longest with no writer ${split.longestNoWriterSeconds} s`);
          splitFigures = split;
        }
      });
      const split = splitFigures!;
      const writeOutageSeconds = round(longestCheckoutGapSeconds(load.ledger, faultAt, loadEnd || Date.now()));
      return {
        ledger: load.ledger,
        marks,
        figures: {
          writeOutageSeconds,
          splitBrainRounds: split.splitBrainRounds,
          longestNoWriterSeconds: split.longestNoWriterSeconds,
          recoverySeconds: seconds(restoredAt, settledAt),
        },
        notes: [
          `the split held ${faultSeconds} s; the monitor named as primary during it: ${[...primaries].join(', ') || 'none'} (before ${primaryBefore ?? '?'}, after ${primaryAfter ?? '?'})`,
          `probe writes (txid_current, committed within 1 s) per node: ${Object.entries(split.writableRounds)
            .map(([n, r]) => `${n} ${r}`)
            .join(', ')} of ${split.rounds} rounds; rounds with two writers (split brain): ${split.splitBrainRounds}`,
          'longestNoWriterSeconds: the longest stretch in which neither node committed a probe write (a synchronous commit waiting on the lost standby counts as none)',
          'writeOutageSeconds is the longest time after the fault in which no checkout was acknowledged; recoverySeconds runs from the heal until one primary, a streaming standby and the whole fleet',
        ],
        violations: [
          ...(split.splitBrainRounds > 0 ? [`split brain: in ${split.splitBrainRounds} probe rounds two database nodes committed writes`] : []),
          ...(settledAt === undefined
            ? [`the cluster did not settle (one primary, a streaming standby, the fleet) within ${env.options.recoveryTimeoutSeconds} s of the heal`]
            : []),
        ],
        settings: { faultSeconds, primaryBefore, primaryAfter },
        faultWindow: { from: faultAt, to: loadEnd || restoredAt },
      };
    },
  };
}

function dbPrimaryDrill(name: 'db-failover' | 'hung-db-primary', command: 'fail-db-primary' | 'hang-db-primary'): Drill {
  return {
    name,
    fault: command,
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      let faultAt = 0;
      let promotedAt: number | undefined;
      let oldPrimary: string | undefined;
      let newPrimary: string | undefined;
      let loadEnd = 0;
      let fleet = 0;
      let promotion: { readOnlyAt?: number; writableAt?: number } = {};
      let rejoinedAt: number | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        const before = await twin.status();
        fleet = healthyInstances(before).length;
        oldPrimary = primaryOf(before);
        faultAt = mark('fault', `${command} (${oldPrimary ?? '?'})`);
        await twin.command(command);
        promotedAt = await watcher.waitFor(faultAt, env.options.recoveryTimeoutSeconds * 1000, (s) => {
          const p = primaryOf(s);
          return p !== undefined && p !== oldPrimary;
        });
        newPrimary = watcher.latest ? primaryOf(watcher.latest) : undefined;
        if (promotedAt) mark('recovery', `${newPrimary} promoted`, promotedAt);
        env.log(`  ${oldPrimary} → ${newPrimary ?? 'no new primary'} in ${seconds(faultAt, promotedAt) ?? 'n/a'} s`);
        await sleep(env.options.settleSeconds * 1000);
        loadEnd = Date.now();
        promotion = promotionAfter(env, faultAt);
        if (promotion.writableAt) mark('info', `${newPrimary} takes writes (monitor)`, promotion.writableAt);
        await restoreAndWait(env, mark, fleet);
        if (command === 'hang-db-primary') {
          // The thawed old primary must rejoin as a standby: the monitor demoted it while it was frozen.
          const old = oldPrimary;
          rejoinedAt = await watcher.waitFor(Date.now(), env.options.recoveryTimeoutSeconds * 1000, (st) =>
            st.database.nodes.some((n) => n.name === old && n.role === 'standby' && !n.state.includes('→')),
          );
          if (rejoinedAt) mark('info', `${old} back as a standby`, rejoinedAt);
        }
      });
      const writeOutageSeconds = round(longestCheckoutGapSeconds(load.ledger, faultAt, loadEnd));
      const dbPromotionSeconds = seconds(faultAt, promotion.writableAt);
      return {
        ledger: load.ledger,
        marks,
        figures: {
          writeOutageSeconds,
          checkoutOutageSeconds: writeOutageSeconds,
          dbPromotionSeconds,
          recoverySeconds: seconds(faultAt, promotedAt),
        },
        notes: [
          'writeOutageSeconds is the longest time after the fault in which no checkout was acknowledged (first failed or stalled to first successful)',
          "dbPromotionSeconds is the database's own promotion time: from the fault to the new primary's first report of wait_primary in the monitor's event log, when it takes writes",
          `the new primary was promoted read-only (stop_replication) after ${seconds(faultAt, promotion.readOnlyAt) ?? 'n/a'} s; the shop added ${
            writeOutageSeconds !== null && dbPromotionSeconds !== null ? round(writeOutageSeconds - dbPromotionSeconds) : 'n/a'
          } s to the database's promotion`,
          'recoverySeconds is the time until the twin reported a new primary',
        ],
        violations:
          command === 'hang-db-primary' && rejoinedAt === undefined
            ? [`the thawed old primary ${oldPrimary} did not come back as a standby within ${env.options.recoveryTimeoutSeconds} s`]
            : [],
        settings: { oldPrimary, newPrimary, fault: command },
        faultWindow: { from: faultAt, to: loadEnd },
      };
    },
  };
}

/** Shoppers opening pages beside the steady load in site-down, so the drill counts page loads, not API calls. */
const SITE_DOWN_PAGE_VISITORS = 8;

/**
 * site-down: every instance goes. Each catalog read a page makes fails over to the static backup
 * site on its own (CloudFront's origin group: the front door's per-request failover), before the
 * Route 53-style deep check moves the whole site over; then the site comes back. Page loads (the
 * document and its catalog GETs, as a browser makes them) are counted beside the steady load.
 */
export function siteDownDrill(): Drill {
  return {
    name: 'site-down',
    fault: 'fail-site',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      let faultAt = 0;
      let deepCheckAt: number | undefined;
      let restoredAt = 0;
      let primaryAt: number | undefined;
      let visitors: PageVisitors | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ load, mark }) => {
        const fleet = healthyInstances(await twin.status()).length;
        visitors = new PageVisitors(load.http, await sampleCatalog(load.http), {
          visitors: SITE_DOWN_PAGE_VISITORS,
          thinkMs: env.options.thinkMs,
          maxDurationMs: env.options.recoveryTimeoutSeconds * 3 * 1000,
        });
        visitors.start();
        try {
          faultAt = mark('fault', 'fail-site');
          await twin.command('fail-site');
          deepCheckAt = await watcher.waitFor(faultAt, env.options.recoveryTimeoutSeconds * 1000, (s) => s.frontDoor.mode === 'backup');
          if (deepCheckAt) mark('info', 'deep check: whole site on the backup', deepCheckAt);
          const firstBackup = visitors.loads.find((p) => p.at >= faultAt && p.fromBackup && !p.failed);
          if (firstBackup) mark('recovery', 'first page from the backup site', firstBackup.at);
          env.log(
            `  first page from the backup site after ${seconds(faultAt, firstBackup?.at) ?? 'n/a'} s; deep check failed over after ${seconds(faultAt, deepCheckAt) ?? 'n/a'} s`,
          );
          await sleep(env.options.settleSeconds * 1000);
          const restored = await restoreAndWait(env, mark, fleet);
          restoredAt = restored.restoredAt;
          primaryAt = await watcher.waitFor(restoredAt, env.options.recoveryTimeoutSeconds * 1000, (s) => s.frontDoor.mode === 'primary');
        } finally {
          await visitors.stop();
        }
      });
      const end = primaryAt ?? Date.now();
      const pages = (visitors?.loads ?? []).filter((p) => p.at >= faultAt && p.at <= end);
      const firstBackupAt = pages.find((p) => p.fromBackup && !p.failed)?.at;
      const failed = pages.filter((p) => p.failed);
      return {
        ledger: load.ledger,
        marks,
        figures: {
          secondsToBackupSite: seconds(faultAt, firstBackupAt),
          pageLoadsFailed: failed.length,
          secondsToDeepCheckFailover: seconds(faultAt, deepCheckAt),
          secondsBackToPrimary: seconds(restoredAt, primaryAt),
          recoverySeconds: seconds(faultAt, firstBackupAt),
        },
        notes: [
          'secondsToBackupSite runs from the fault to the first page load whose catalog came from the backup site (the per-request failover, CloudFront origin group on AWS)',
          'a page load is the document plus the catalog GETs its SPA makes; pageLoadsFailed counts those with any of them unanswered or 5xx, from the fault until the site is back on the primary',
          `secondsToDeepCheckFailover is the Route 53-style deep check moving the whole site, which still guards the apex and the API hostname`,
          `writes fail while the site is down: the backup site is read-only and answers them 503 ORDERING_PAUSED${failed.length ? `; failed pages: ${failed.map((p) => `${p.page}@${seconds(faultAt, p.at)}s`).join(', ')}` : ''}`,
        ],
        settings: { pageVisitors: SITE_DOWN_PAGE_VISITORS, pageLoads: pages.length, pageLoadsFromBackup: pages.filter((p) => p.fromBackup).length },
        faultWindow: { from: faultAt, to: end },
      };
    },
  };
}

/** scale-out: the load steps up ×N; CPU target tracking must add instances, and remove them after. */
export function scaleOutDrill(): Drill {
  return {
    name: 'scale-out',
    fault: 'a load step',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      const o = env.options;
      let stepAt = 0;
      let stepEnd = 0;
      let scaledInAt: number | undefined;
      let fleetBefore = 0;
      let peakFleet = 0;
      const preIds = new Set<string>();
      const { load, marks } = await withSteadyLoad(env, async ({ load, mark }) => {
        // A planned pool is full long before a spike: the step waits for it (a twin just started fills it one instance at a time).
        const poolFull = await watcher.waitFor(Date.now(), o.recoveryTimeoutSeconds * 1000, (st) => {
          const pool = st.autoScaling.warmPool;
          return pool.instances.filter((i) => i.state === 'warmed:stopped').length >= pool.size;
        });
        if (!poolFull) env.log(`  the warm pool did not fill within ${o.recoveryTimeoutSeconds} s; stepping anyway`);
        const before = await twin.status();
        for (const i of before.instances) preIds.add(i.id);
        fleetBefore = inService(before).length;
        // The step multiplies the load the run found (the calibrated shoppers), not --sessions'
        // starting point: ×4 of 24 was fewer shoppers than the calibrated 108, and nothing scaled.
        const steady = load.sessions;
        stepAt = mark('fault', `load ×${o.scaleStepFactor}`);
        load.setSessions(steady * o.scaleStepFactor);
        env.log(`  ${steady * o.scaleStepFactor} shoppers for ${o.scaleStepSeconds} s`);
        await sleep(o.scaleStepSeconds * 1000);
        stepEnd = mark('restore', 'load back to ×1');
        load.setSessions(steady);
        peakFleet = Math.max(...watcher.samples.filter((s) => s.at >= stepAt && s.status).map((s) => inService(s.status!).length), fleetBefore);
        // Scale-in is only timed when there was a scale-out to undo.
        if (peakFleet > fleetBefore) {
          scaledInAt = await watcher.waitFor(stepEnd, o.scaleInTimeoutSeconds * 1000, (s) => inService(s).length <= fleetBefore);
          if (scaledInAt) mark('recovery', 'scaled back in', scaledInAt);
        }
      });
      const stepSamples = watcher.samples.filter((x) => x.at >= stepAt && x.at <= stepEnd && x.status);
      const fleetCpu = stepSamples.map((x) => {
        const serving = inService(x.status!);
        return serving.length ? serving.reduce((sum, i) => sum + (i.cpuPercent ?? 0), 0) / serving.length : 0;
      });
      const peakCpu = Math.max(0, ...fleetCpu);
      const cpuTarget = stepSamples.find((x) => x.status?.autoScaling)?.status?.autoScaling?.cpuTargetPercent ?? autoScaling.cpuTargetPercent;
      const firstNew = load.ledger.entries.find((e) => e.at >= stepAt && e.servedBy !== undefined && !preIds.has(instanceOf(e.servedBy)));
      if (firstNew) marks.push({ at: load.ledger.secondsSinceStart(firstNew.at), kind: 'recovery', label: `new instance serves (${firstNew.servedBy})` });
      // The decision is the controller's first raise of desired capacity after the step; the
      // instance is warm when the controller took it out of the warm pool (its event names it).
      const events = watcher.eventsSince(stepAt);
      const decision = events.find((e) => e.kind === 'desired-capacity' && Number(e.to) > Number(e.from));
      const decisionAt = decision ? Date.parse(decision.at) : undefined;
      if (decisionAt) marks.push({ at: load.ledger.secondsSinceStart(decisionAt), kind: 'info', label: `scale-out decision (${decision?.reason ?? ''})` });
      const fromPool = new Set(events.filter((e) => e.kind === 'instance-from-warm-pool').map((e) => String(e.instance)));
      // Serving = passing the target health check, as an ALB target turns healthy. Not the first
      // request it answered: the twin's registration lets a request through before the first check
      // (HAProxy marks a server leaving maintenance UP until "health down" lands), which AWS does not.
      const serving =
        decisionAt === undefined ? undefined : events.find((e) => e.kind === 'instance-in-service' && !preIds.has(String(e.instance)) && Date.parse(e.at) >= decisionAt);
      const servingAt = serving ? Date.parse(serving.at) : undefined;
      const firstNewId = serving ? String(serving.instance) : undefined;
      return {
        ledger: load.ledger,
        marks,
        figures: {
          secondsUntilNewInstanceServes: seconds(stepAt, firstNew?.at),
          secondsToScalingDecision: seconds(stepAt, decisionAt),
          secondsFromDecisionToServing: decisionAt === undefined ? null : seconds(decisionAt, servingAt),
          warmInstanceUsed: firstNewId === undefined ? null : fromPool.has(firstNewId),
          scaleInSeconds: seconds(stepEnd, scaledInAt),
          recoverySeconds: seconds(stepAt, firstNew?.at),
        },
        notes: [
          `fleet ${fleetBefore} before the step, ${peakFleet} at its largest`,
          `secondsFromDecisionToServing includes the target health check: a registered instance serves after ${targetHealthCheck.healthyThreshold} passing checks ${targetHealthCheck.intervalSeconds} s apart, the first at the load balancer's next check slot (HAProxy: 0–${targetHealthCheck.intervalSeconds} s after registration)`,
          firstNewId === undefined
            ? 'no scale-out decision, or no instance in service after it'
            : `the first instance in service after the decision, ${firstNewId}, ${fromPool.has(firstNewId) ? 'came from the warm pool' : 'was launched cold'}`,
          `instance CPU during the step, averaged over the fleet: peak ${peakCpu.toFixed(0)} % (target ${cpuTarget} %)` +
            (firstNew ? '' : '; below the target no scale-out is expected, so raise --sessions to load the fleet harder'),
        ],
        settings: { stepFactor: o.scaleStepFactor, stepSeconds: o.scaleStepSeconds, scaleInTimeoutSeconds: o.scaleInTimeoutSeconds, cpuTargetPercent: cpuTarget },
        faultWindow: { from: stepAt, to: stepEnd },
      };
    },
  };
}

/** rolling-deploy: every instance is replaced by a new build, never below min healthy; shoppers should not notice. */
export function rollingDeployDrill(): Drill {
  return {
    name: 'rolling-deploy',
    fault: 'deploy',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      let faultAt = 0;
      let doneAt: number | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        const before = await twin.status();
        const oldIds = new Set(before.instances.map((i) => i.id));
        const fleet = healthyInstances(before).length;
        faultAt = mark('fault', 'deploy');
        await twin.command('deploy');
        doneAt = await watcher.waitFor(faultAt, env.options.recoveryTimeoutSeconds * 3 * 1000, (s) => {
          const healthy = healthyInstances(s);
          return healthy.length >= fleet && s.instances.every((i) => !oldIds.has(i.id));
        });
        if (doneAt) mark('recovery', 'every instance replaced', doneAt);
      });
      return {
        ledger: load.ledger,
        marks,
        figures: { recoverySeconds: seconds(faultAt, doneAt) },
        notes: ['recoverySeconds is how long the whole instance refresh took'],
        settings: {},
        faultWindow: { from: faultAt, to: doneAt ?? Date.now() },
      };
    },
  };
}

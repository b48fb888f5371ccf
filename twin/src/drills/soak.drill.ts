import { processTreeRssMiB } from '../bench/rss.js';
import type { ReportChart } from '../reports/drill-report.js';
import type { TwinStatus } from '../status/status-types.js';
import { requireTwin, sleep, type Drill, type DrillEnv, type DrillRun } from './drill.js';
import { round } from './figures.js';
import { failedOutside, perMinute, rssGrowth, seriesByInstance, type RssSample } from './soak-figures.js';
import { withSteadyLoad } from './steady-load.js';
import { healthyInstances } from './twin-watcher.js';

/**
 * How often RSS and DB connections are read: 180 readings in 30 minutes, enough for a trend and
 * a per-minute peak, without the drill's own reading adding load.
 */
const SAMPLE_MS = 10_000;
/** The instances' warm-up for RSS: JIT, pools and caches filled in the first minute of load (the CloudWatch period). */
const RSS_WARMUP_MS = 60_000;
/** Issue 15's goal for RSS growth after warm-up. */
const RSS_GROWTH_LIMIT_PERCENT = 10;
/** The faults start this far into the soak: the middle, with a steady stretch on each side. */
const FAULTS_AT_SHARE = 0.4;

interface ConnectionSample {
  at: number;
  /** Client connections on the primary by application_name (the shop names them `evermall-<instance>`). */
  byApplication: Record<string, number>;
  total: number;
}

const primaryOf = (s: TwinStatus) => s.database.nodes.find((n) => n.role === 'primary')?.name;

/** Reads on a timer; a reading still in flight (a DB query during the failover) is not started again. */
function every(ms: number, read: () => Promise<void>): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void read().finally(() => {
      busy = false;
    });
  }, ms);
  return () => clearInterval(timer);
}

async function readConnections(env: DrillEnv): Promise<ConnectionSample | undefined> {
  try {
    const rows = await env.sql<{ app: string; n: number }[]>`
      SELECT coalesce(nullif(application_name, ''), '(none)') AS app, count(*)::int AS n
      FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database() GROUP BY 1`;
    const byApplication = Object.fromEntries(rows.map((r) => [r.app, r.n]));
    return { at: Date.now(), byApplication, total: rows.reduce((sum, r) => sum + r.n, 0) };
  } catch {
    // The primary is failing over: no reading, a gap in the series.
    return undefined;
  }
}

/**
 * soak: the shopper mix at the calibrated load (just under the fleet's CPU target) for
 * `--minutes`, with a DB failover (fail-db-primary, then restore) and an instance crash
 * (kill-instance) in the middle. Watches what a short drill cannot: RSS per instance over time,
 * DB connections on the primary, p99 per minute, and failures outside the fault windows.
 */
export function soakDrill(): Drill {
  return {
    name: 'soak',
    fault: 'the shopper mix for --minutes at the CPU target; fail-db-primary then restore, then kill-instance, in the middle',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      const o = env.options;
      const soakMs = o.soakMinutes * 60_000;
      const rss: RssSample[] = [];
      const connections: ConnectionSample[] = [];
      const windows: { from: number; to: number; fault: string }[] = [];
      const violations: string[] = [];
      const notes: string[] = [];
      let runStart = 0;
      const stopRss = every(SAMPLE_MS, async () => {
        const at = Date.now();
        for (const i of watcher.latest?.instances ?? []) {
          if (i.pid === undefined || (i.state !== 'in-service' && i.state !== 'draining')) continue;
          const mib = processTreeRssMiB(i.pid);
          if (mib > 0) rss.push({ at, instance: i.id, rssMiB: round(mib, 1)! });
        }
      });
      const stopConnections = every(SAMPLE_MS, async () => {
        const c = await readConnections(env);
        if (c) connections.push(c);
      });
      let soaked: Awaited<ReturnType<typeof withSteadyLoad>>;
      try {
        soaked = await withSteadyLoad(
          env,
          async ({ load, mark }) => {
            runStart = load.ledger.startedAt;
            const end = runStart + soakMs - o.settleSeconds * 1000;
            const faultsAt = runStart + soakMs * FAULTS_AT_SHARE;
            env.log(`  soaking for ${o.soakMinutes} min; faults at ${((faultsAt - runStart) / 60_000).toFixed(1)} min`);
            await sleep(Math.max(0, faultsAt - Date.now()));

            const before = await twin.status();
            const fleet = healthyInstances(before).length;
            const oldPrimary = primaryOf(before);
            const dbFrom = mark('fault', `fail-db-primary (${oldPrimary ?? '?'})`);
            await twin.command('fail-db-primary');
            const promoted = await watcher.waitFor(dbFrom, o.recoveryTimeoutSeconds * 1000, (s) => {
              const p = primaryOf(s);
              return p !== undefined && p !== oldPrimary;
            });
            if (promoted) mark('recovery', 'new DB primary', promoted);
            await sleep(o.settleSeconds * 1000);
            mark('restore', 'restore');
            await twin.command('restore');
            const rejoined = await watcher.waitFor(
              Date.now(),
              o.recoveryTimeoutSeconds * 1000,
              (s) => s.database.nodes.some((n) => n.name === oldPrimary && n.role === 'standby' && !n.state.includes('→')) && healthyInstances(s).length >= fleet,
            );
            if (rejoined) mark('info', `${oldPrimary} back as a standby`, rejoined);
            else violations.push(`the old primary ${oldPrimary} did not rejoin as a standby within ${o.recoveryTimeoutSeconds} s of restore`);
            windows.push({ from: dbFrom, to: rejoined ?? Date.now(), fault: 'fail-db-primary → restore' });

            const status = await twin.status();
            const known = new Set(status.instances.map((i) => i.id));
            const victim = healthyInstances(status)[0]?.id;
            const crashFrom = mark('fault', `SIGKILL ${victim ?? 'an instance'}`);
            await twin.command('kill-instance', victim ? { id: victim } : {});
            const replaced = await watcher.waitFor(crashFrom, o.recoveryTimeoutSeconds * 1000, (s) => {
              const healthy = healthyInstances(s);
              return healthy.length >= fleet && !healthy.some((i) => i.id === victim) && healthy.some((i) => !known.has(i.id));
            });
            if (replaced) mark('recovery', 'replacement serves', replaced);
            else violations.push(`no replacement for ${victim} served within ${o.recoveryTimeoutSeconds} s`);
            windows.push({ from: crashFrom, to: replaced ?? Date.now(), fault: `kill-instance ${victim}` });
            env.log(`  faults over; soaking until ${new Date(end).toISOString()}`);
            await sleep(Math.max(0, end - Date.now()));
          },
          { holdSeconds: o.soakMinutes * 60 },
        );
      } finally {
        stopRss();
        stopConnections();
      }
      const loadEnd = Date.now();
      const { ledger } = soaked.load;
      const shopping = ledger.entries.filter((e) => e.action !== 'probe');
      const minutes = perMinute(shopping, runStart, loadEnd);
      const outside = failedOutside(shopping, windows);
      const growth = rssGrowth(rss, runStart, RSS_WARMUP_MS);
      const worst = growth.length ? Math.max(...growth.map((g) => g.growthPercent)) : null;
      if (outside > 0) violations.push(`${outside} requests failed outside the fault windows (goal 0)`);
      if (worst !== null && worst >= RSS_GROWTH_LIMIT_PERCENT) violations.push(`RSS grew ${worst.toFixed(1)} % after warm-up (goal < ${RSS_GROWTH_LIMIT_PERCENT} %)`);
      if (worst === null) notes.push('no instance was read after its warm-up: no RSS growth figure (run longer)');
      const totals = connections.map((c) => c.total);
      notes.push(
        `RSS growth per instance (peak of its first minute after a ${RSS_WARMUP_MS / 1000} s warm-up → peak of its last minute; shorter halves for an instance read less than two minutes after warm-up): ${
          growth.map((g) => `${g.instance} ${g.afterWarmupMiB} → ${g.endMiB} MiB (${g.growthPercent.toFixed(1)} %, ${Math.round(g.windowMs / 1000)} s windows)`).join('; ') ||
          'none'
        }`,
        `DB client connections on the primary: ${totals.length ? `${Math.min(...totals)}–${Math.max(...totals)}` : 'not read'} over ${connections.length} readings every ${SAMPLE_MS / 1000} s`,
        `fault windows (failures in flight in them are not counted in failedOutsideFaults): ${windows.map((w) => `${w.fault} ${((w.from - runStart) / 1000).toFixed(0)}–${((w.to - runStart) / 1000).toFixed(0)} s`).join('; ')}`,
      );
      const rssChart = seriesByInstance(
        rss,
        (s) => s.instance,
        (s) => s.rssMiB,
        runStart,
      );
      const connectionChart = seriesByInstance(
        connections.flatMap((c) => [{ at: c.at, app: 'total', n: c.total }, ...Object.entries(c.byApplication).map(([app, n]) => ({ at: c.at, app, n }))]),
        (s) => s.app,
        (s) => s.n,
        runStart,
      );
      const charts: ReportChart[] = [
        { title: 'RSS per instance (MiB)', xLabel: 'minutes since start', yLabel: 'RSS (MiB)', ...rssChart },
        {
          title: 'p99 per minute (ms)',
          xLabel: 'minute',
          yLabel: 'p99 (ms)',
          x: minutes.map((m) => m.minute),
          series: [{ label: 'p99 ms', values: minutes.map((m) => round(m.p99Ms)) }],
        },
        { title: 'DB client connections on the primary', xLabel: 'minutes since start', yLabel: 'connections', ...connectionChart },
      ];
      return {
        ledger,
        marks: soaked.marks,
        figures: { rssGrowthPercent: round(worst, 1), failedOutsideFaults: outside },
        notes,
        violations,
        charts,
        settings: {
          minutes: o.soakMinutes,
          perMinute: minutes.map((m) => ({ ...m, p99Ms: round(m.p99Ms) })),
          rssGrowth: growth.map((g) => ({ ...g, growthPercent: round(g.growthPercent, 1) })),
          faultWindows: windows.map((w) => ({ fault: w.fault, fromSecond: round((w.from - runStart) / 1000, 1), toSecond: round((w.to - runStart) / 1000, 1) })),
          dbConnections: connections.map((c) => ({ second: round((c.at - runStart) / 1000, 0), total: c.total, byApplication: c.byApplication })),
        },
        ...(windows.length ? { faultWindow: { from: windows[0]!.from, to: windows[windows.length - 1]!.to } } : {}),
      };
    },
  };
}

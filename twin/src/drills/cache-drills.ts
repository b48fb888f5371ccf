import { loadFigures, round } from './figures.js';
import { requireTwin, sleep, type Drill, type DrillEnv, type DrillRun } from './drill.js';
import { holdFault } from './fault-window.js';
import { loggedOutShoppers, refusedSessions, SignedInShoppers } from './signed-in-shoppers.js';
import { withSteadyLoad, type SteadyLoadContext } from './steady-load.js';
import { healthyInstances } from './twin-watcher.js';
import type { Ledger } from '../load/ledger.js';
import type { TwinStatus } from '../status/status-types.js';

/** One instance's /healthz answers at once when it is up; a busy 2-core machine under load stays well within this. */
const HEALTHZ_TIMEOUT_MS = 2000;

const seconds = (from: number, to: number | undefined): number | null => (to === undefined ? null : round((to - from) / 1000));

/** A live primary (by its own INFO replication) takes the endpoint's connections: the tier serves. */
export const cacheServes = (s: TwinStatus): boolean => s.cache.nodes.some((n) => n.role === 'primary' && n.serving);

/** Before a cache fault: the tier serves, no node is held down, and a replica follows the primary (a failover needs one). */
const cacheSteady = (s: TwinStatus): boolean => cacheServes(s) && s.cache.failed.length === 0 && s.cache.nodes.some((n) => n.role === 'replica' && n.link?.status === 'up');

/** Each healthy instance's cache connection as its /healthz body reports it (`ready`, `unavailable`, or undefined when it did not answer). */
export async function instanceCacheStates(status: TwinStatus): Promise<(string | undefined)[]> {
  return Promise.all(
    healthyInstances(status).map(async (i) => {
      try {
        const res = await fetch(`http://127.0.0.1:${i.port}/healthz`, { signal: AbortSignal.timeout(HEALTHZ_TIMEOUT_MS) });
        return ((await res.json()) as { cache?: string }).cache;
      } catch {
        return undefined;
      }
    }),
  );
}

/** Whether every healthy instance says its cache connection is ready (/healthz body, shop/src/health/health.routes.ts). */
async function everyInstanceCacheReady(status: TwinStatus): Promise<boolean> {
  const states = await instanceCacheStates(status);
  return states.length > 0 && states.every((c) => c === 'ready');
}

/**
 * Waits, from `since`, until the cache serves again: first the twin's status shows a live primary
 * behind the endpoint, then every healthy instance reports `cache: ready`. Marks and returns both
 * moments (undefined for what did not happen within the recovery timeout).
 */
async function untilCacheServes(env: DrillEnv, since: number, mark: SteadyLoadContext['mark']): Promise<{ tierAt: number | undefined; instancesAt: number | undefined }> {
  const { twin, watcher } = requireTwin(env);
  const deadline = since + env.options.recoveryTimeoutSeconds * 1000;
  const tierAt = await watcher.waitFor(since, env.options.recoveryTimeoutSeconds * 1000, cacheServes);
  if (tierAt === undefined) return { tierAt, instancesAt: undefined };
  mark('info', 'a primary serves behind the endpoint', tierAt);
  while (Date.now() < deadline) {
    const checkedAt = Date.now();
    if (await everyInstanceCacheReady(await twin.status())) {
      mark('recovery', 'every instance: cache ready', checkedAt);
      return { tierAt, instancesAt: checkedAt };
    }
    await sleep(env.options.statusPollMs);
  }
  return { tierAt, instancesAt: undefined };
}

/**
 * The steady load plus the signed-in shoppers whose sessions are watched, around `body`, which
 * runs once every watched shopper is signed in and the cache tier is steady.
 */
async function withWatchedSessions(env: DrillEnv, body: (ctx: SteadyLoadContext) => Promise<void>) {
  const { watcher } = requireTwin(env);
  const o = env.options;
  const signedIn = new SignedInShoppers(
    { baseUrl: env.baseUrl, connections: o.connections, requestTimeoutMs: o.requestTimeoutMs },
    { shoppers: o.signedInShoppers, thinkMs: o.thinkMs },
  );
  const notes: string[] = [];
  try {
    const { load, marks } = await withSteadyLoad(env, async (ctx) => {
      await signedIn.start(ctx.load.ledger);
      const everyoneIn = Date.now() + o.recoveryTimeoutSeconds * 1000;
      while (signedIn.signedIn.size < o.signedInShoppers && Date.now() < everyoneIn) await sleep(o.statusPollMs);
      if (signedIn.signedIn.size < o.signedInShoppers) notes.push(`only ${signedIn.signedIn.size} of ${o.signedInShoppers} watched shoppers signed in before the fault`);
      const steady = await watcher.waitFor(Date.now(), o.recoveryTimeoutSeconds * 1000, cacheSteady);
      if (steady === undefined) notes.push(`the cache tier was not steady (primary serving, a replica linked) within ${o.recoveryTimeoutSeconds} s before the fault`);
      await body(ctx);
    });
    return { load, marks, signedIn, notes };
  } finally {
    await signedIn.stop();
  }
}

/** What both cache drills hold the shop to: it answers without the cache, and nobody is logged out. */
function sessionFigures(ledger: Ledger, signedIn: SignedInShoppers) {
  const loggedOut = loggedOutShoppers(signedIn.answers);
  const refused = refusedSessions(ledger.entries);
  const failed = loadFigures(ledger).failedRequests;
  const violations = [
    ...(failed ? [`${failed} requests failed: the shop must answer from PostgreSQL while the cache is away`] : []),
    ...(loggedOut.length ? [`${loggedOut.length} signed-in shoppers were logged out (401): ${loggedOut.slice(0, 5).join(', ')}`] : []),
    ...(refused ? [`${refused} requests that need a session were answered 401 (a session the shop forgot)`] : []),
  ];
  const notes = [
    `${signedIn.signedIn.size} watched shoppers signed in; ${signedIn.answers.length} answers on routes that need the session, ${loggedOut.length} shoppers logged out`,
    `${refused} answers of 401 on routes that need the session across every shopper (steady load included)`,
  ];
  return { shoppersLoggedOut: loggedOut.length, violations, notes };
}

/**
 * cache-failover: the cache primary is SIGKILLed under load; the Sentinels promote the replica and
 * the endpoint follows. The shop must answer every request (from PostgreSQL while the cache is
 * away) and keep every shopper signed in: sessions are in PostgreSQL, the cache holds copies.
 */
export function cacheFailoverDrill(): Drill {
  return {
    name: 'cache-failover',
    fault: 'fail-cache-primary',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin } = requireTwin(env);
      let faultAt = 0;
      let killed: string | undefined;
      let recovery: Awaited<ReturnType<typeof untilCacheServes>> = { tierAt: undefined, instancesAt: undefined };
      const { load, marks, signedIn, notes } = await withWatchedSessions(env, async ({ mark }) => {
        faultAt = mark('fault', 'fail-cache-primary');
        const result = await twin.command('fail-cache-primary');
        killed = typeof result.killed === 'string' ? result.killed : undefined;
        env.log(`  killed cache node ${killed ?? '?'}; waiting for a primary behind the endpoint and every instance's cache ready`);
        recovery = await untilCacheServes(env, Date.now(), mark);
        env.log(`  cache serves again after ${seconds(faultAt, recovery.instancesAt) ?? 'n/a'} s`);
      });
      const sessions = sessionFigures(load.ledger, signedIn);
      return {
        ledger: load.ledger,
        marks,
        figures: { recoverySeconds: seconds(faultAt, recovery.instancesAt), shoppersLoggedOut: sessions.shoppersLoggedOut },
        violations: sessions.violations,
        notes: [
          ...notes,
          `killed cache node ${killed ?? '?'}; a primary served behind the endpoint after ${seconds(faultAt, recovery.tierAt) ?? 'n/a'} s`,
          'recoverySeconds runs from the kill until every healthy instance reports cache: ready on /healthz, after the twin shows a live primary behind the endpoint',
          ...sessions.notes,
        ],
        settings: { killed, signedInShoppers: env.options.signedInShoppers, recoveryTimeoutSeconds: env.options.recoveryTimeoutSeconds },
        faultWindow: { from: faultAt, to: recovery.instancesAt ?? Date.now() },
      };
    },
  };
}

/**
 * cache-outage: the whole cache tier is down (both nodes SIGKILLed, kept down) for
 * `cacheOutageSeconds` under load, then restored empty. The shop must answer every request from
 * PostgreSQL, keep every shopper signed in, and use the cache again once it is back.
 */
export function cacheOutageDrill(): Drill {
  return {
    name: 'cache-outage',
    fault: 'fail-cache (the whole tier), restore-cache after the outage',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin } = requireTwin(env);
      const outageSeconds = env.options.cacheOutageSeconds;
      let faultAt = 0;
      let restoredAt = 0;
      let recovery: Awaited<ReturnType<typeof untilCacheServes>> = { tierAt: undefined, instancesAt: undefined };
      const { load, marks, signedIn, notes } = await withWatchedSessions(env, async ({ mark }) => {
        const fault = { label: 'fail-cache', inject: () => twin.command('fail-cache'), restoreLabel: 'restore-cache', restore: () => twin.command('restore-cache') };
        env.log(`  the cache tier goes down for ${outageSeconds} s`);
        ({ faultAt, restoredAt } = await holdFault(mark, fault, outageSeconds));
        recovery = await untilCacheServes(env, Date.now(), mark);
        env.log(`  cache serves again ${seconds(restoredAt, recovery.instancesAt) ?? 'n/a'} s after restore-cache`);
      });
      const sessions = sessionFigures(load.ledger, signedIn);
      return {
        ledger: load.ledger,
        marks,
        figures: { recoverySeconds: seconds(restoredAt, recovery.instancesAt), shoppersLoggedOut: sessions.shoppersLoggedOut },
        violations: sessions.violations,
        notes: [
          ...notes,
          `p99DuringFaultMs covers the ${outageSeconds} s outage, from fail-cache to restore-cache`,
          `recoverySeconds runs from restore-cache until every healthy instance reports cache: ready on /healthz (a primary served behind the endpoint after ${seconds(restoredAt, recovery.tierAt) ?? 'n/a'} s)`,
          ...sessions.notes,
        ],
        settings: { outageSeconds, signedInShoppers: env.options.signedInShoppers, recoveryTimeoutSeconds: env.options.recoveryTimeoutSeconds },
        faultWindow: { from: faultAt, to: restoredAt },
      };
    },
  };
}

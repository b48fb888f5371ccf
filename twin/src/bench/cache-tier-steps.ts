import type { TwinClient } from '../client.js';
import { cacheServes, instanceCacheStates } from '../drills/cache-drills.js';
import { defaultDrillOptions, sleep } from '../drills/drill.js';
import type { TwinStatus } from '../status/status-types.js';

/** The drills' bounds: how long the tier and the instances get to follow a cache fault or its restore. */
const FOLLOW_TIMEOUT_MS = defaultDrillOptions.recoveryTimeoutSeconds * 1000;
const POLL_MS = defaultDrillOptions.statusPollMs;

async function waitUntil(twin: TwinClient, what: string, done: (status: TwinStatus, states: (string | undefined)[]) => boolean): Promise<void> {
  const deadline = Date.now() + FOLLOW_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = await twin.status();
    const states = await instanceCacheStates(status);
    if (states.length > 0 && done(status, states)) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${what} within ${FOLLOW_TIMEOUT_MS / 1000} s`);
}

/**
 * Takes the whole cache tier down (`fail-cache`) and returns once every healthy instance reports
 * its cache unavailable, so a measurement that follows is the shop answering from PostgreSQL, not
 * the moments before it notices.
 */
export async function failCacheTier(twin: TwinClient): Promise<void> {
  await twin.failCache();
  await waitUntil(twin, 'the instances did not report the cache unavailable after fail-cache', (_s, states) => states.every((c) => c !== 'ready'));
}

/**
 * Brings the tier back (`restore-cache`) and returns once it serves again: a live primary behind
 * the endpoint (the twin's status) and every healthy instance reporting `cache: ready`, as the
 * cache drills wait.
 */
export async function restoreCacheTier(twin: TwinClient): Promise<void> {
  await twin.restoreCache();
  await waitUntil(twin, 'the cache did not serve again after restore-cache', (s, states) => cacheServes(s) && states.every((c) => c === 'ready'));
}

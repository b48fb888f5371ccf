/** The front door's X-Cache on an answer it gave from its cache (twin/src/load-balancer/haproxy-config.ts). */
const EDGE_HIT = 'Hit from front door';
/** A catalog read through the front door answers at once when the front door is up. */
const SAMPLE_TIMEOUT_MS = 5000;

export interface EdgeSample {
  hits: number;
  sampled: number;
}

/**
 * One GET of each path through the front door, counting the answers whose `x-cache` says the
 * edge served them: a figure through the front door's cache is only the edge's when its answers
 * are hits. Sequential, so the sample itself never loads the shop.
 */
export async function sampleEdgeHits(frontDoorUrl: string, paths: string[]): Promise<EdgeSample> {
  let hits = 0;
  for (const path of paths) {
    const res = await fetch(new URL(path, frontDoorUrl), { signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS) });
    await res.body?.cancel();
    if (res.headers.get('x-cache') === EDGE_HIT) hits += 1;
  }
  return { hits, sampled: paths.length };
}

/** Warms a cache with one GET of each path, so the measurement that follows reads what is kept, not the first fill. */
export async function warm(url: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    const res = await fetch(new URL(path, url), { signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS) });
    await res.body?.cancel();
    if (res.status !== 200) throw new Error(`warming ${path} at ${url} answered HTTP ${res.status}`);
  }
}

import autocannon from 'autocannon';

export interface HttpBenchResult {
  label: string;
  requestsPerSecond: number;
  p99Ms: number;
  /** Non-2xx answers plus connection errors and timeouts. */
  failures: number;
  total: number;
}

export interface HttpBenchOptions {
  label: string;
  url: string;
  /** Paths requested in turn on every connection. */
  paths: string[];
  connections: number;
  seconds: number;
  /** A 404 is the expected answer for the trivial ceiling route, not a failure. */
  expectStatus?: number;
}

/**
 * Closed-loop HTTP load with autocannon (the tool the HAProxy ceiling in docs/anchors.md#ceilings-on-this-machine was measured
 * with), so the shop's figures and the ceilings come from the same client.
 */
export async function runHttpBench(o: HttpBenchOptions): Promise<HttpBenchResult> {
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.seconds,
    requests: o.paths.map((path) => ({ method: 'GET' as const, path })),
  });
  const byStatus = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const ok = o.expectStatus ? (byStatus[String(o.expectStatus)]?.count ?? 0) : result['2xx'];
  const total = result.requests.total;
  return {
    label: o.label,
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    failures: total - ok + result.errors + result.timeouts,
    total,
  };
}

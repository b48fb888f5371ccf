import { isFailure, Ledger, type LedgerEntry } from '../load/ledger.js';

/** One RSS reading of one instance's process tree. */
export interface RssSample {
  at: number;
  instance: string;
  rssMiB: number;
}

/** The shopper figures of one minute of the soak, by send time. */
export interface SoakMinute {
  minute: number;
  requests: number;
  failed: number;
  p99Ms: number | null;
}

export interface RssGrowth {
  instance: string;
  /** Peak RSS in the first minute after the instance's warm-up, and in the last minute it was read. */
  afterWarmupMiB: number;
  endMiB: number;
  growthPercent: number;
  windowMs: number;
}

const MINUTE_MS = 60_000;

/** Requests, failures and p99 per minute since `from` (epoch ms); probes are not shoppers. */
export function perMinute(entries: readonly LedgerEntry[], from: number, until: number): SoakMinute[] {
  const minutes = Math.max(1, Math.ceil((until - from) / MINUTE_MS));
  const buckets = Array.from({ length: minutes }, () => [] as LedgerEntry[]);
  for (const e of entries) {
    if (e.action === 'probe') continue;
    const bucket = buckets[Math.floor((e.at - from) / MINUTE_MS)];
    if (bucket) bucket.push(e);
  }
  return buckets.map((b, minute) => ({ minute, requests: b.length, failed: b.filter((e) => isFailure(e.status)).length, p99Ms: Ledger.percentile(b, 99) }));
}

/**
 * Shopper requests that got no answer or a 5xx and were in flight in none of the windows (epoch
 * ms, [from, to)): a write sent just before the primary died waits on it, and fails, inside the
 * fault even though it was sent before.
 */
export function failedOutside(entries: readonly LedgerEntry[], windows: readonly { from: number; to: number }[]): number {
  const inFlightDuring = (e: LedgerEntry, w: { from: number; to: number }) => e.at < w.to && e.at + e.latencyMs >= w.from;
  return entries.filter((e) => e.action !== 'probe' && isFailure(e.status) && !windows.some((w) => inFlightDuring(e, w))).length;
}

const peak = (samples: readonly RssSample[]) => Math.max(...samples.map((s) => s.rssMiB));

/**
 * Each instance's RSS growth: the peak of its last minute of readings against the peak of its
 * first minute after warm-up (a peak, not one reading, so a collection in flight does not decide
 * it). Warm-up ends `warmupMs` after the later of the run's start and the instance's first
 * reading. An instance read for less than two minutes after its warm-up (a short soak, or one
 * killed or launched by its faults) is compared over the two halves of what it has instead, so
 * the windows never overlap; `windowMs` says how long they were.
 */
export function rssGrowth(samples: readonly RssSample[], runStart: number, warmupMs: number): RssGrowth[] {
  const byInstance = new Map<string, RssSample[]>();
  for (const s of samples) byInstance.set(s.instance, [...(byInstance.get(s.instance) ?? []), s]);
  const growth: RssGrowth[] = [];
  for (const [instance, list] of byInstance) {
    const first = Math.min(...list.map((s) => s.at));
    const last = Math.max(...list.map((s) => s.at));
    const warm = Math.max(runStart, first) + warmupMs;
    const windowMs = Math.min(MINUTE_MS, (last - warm) / 2);
    if (windowMs <= 0) continue;
    const start = list.filter((s) => s.at >= warm && s.at < warm + windowMs);
    const end = list.filter((s) => s.at > last - windowMs);
    if (!start.length || !end.length) continue;
    const afterWarmupMiB = peak(start);
    const endMiB = peak(end);
    growth.push({ instance, afterWarmupMiB, endMiB, growthPercent: ((endMiB - afterWarmupMiB) / afterWarmupMiB) * 100, windowMs });
  }
  return growth;
}

/** Per-instance series over a shared x axis of sample times (minutes since `from`), null where an instance was not read. */
export function seriesByInstance<T extends { at: number }>(samples: readonly T[], key: (s: T) => string, value: (s: T) => number, from: number) {
  const times = [...new Set(samples.map((s) => s.at))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const series = new Map<string, (number | null)[]>();
  for (const s of samples) {
    const values = series.get(key(s)) ?? Array<number | null>(times.length).fill(null);
    values[index.get(s.at)!] = value(s);
    series.set(key(s), values);
  }
  return {
    x: times.map((t) => Math.round(((t - from) / MINUTE_MS) * 100) / 100),
    series: [...series].map(([label, values]) => ({ label, values })),
  };
}

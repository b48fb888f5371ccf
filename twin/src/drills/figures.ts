import { isFailure, Ledger, type Action, type LedgerEntry } from '../load/ledger.js';

const READS: readonly Action[] = ['browse-product', 'list-category', 'search', 'view-cart'];

/** Load figures every drill reports: what shoppers sent and what failed. Probes are not shoppers. */
export function loadFigures(ledger: Ledger, faultWindow?: { from: number; to: number }) {
  const shopping = ledger.entries.filter((e) => e.action !== 'probe');
  const during = faultWindow ? shopping.filter((e) => e.at >= faultWindow.from && e.at < faultWindow.to) : [];
  const timeline = ledger.timeline();
  const peaks = timeline
    .filter((p) => !faultWindow || (ledger.startedAt + p.second * 1000 >= faultWindow.from && ledger.startedAt + p.second * 1000 < faultWindow.to))
    .map((p) => p.p99Ms)
    .filter((v): v is number => v !== null);
  return {
    requests: shopping.length,
    requestsPerSecond: requestsPerSecond(shopping),
    failedRequests: shopping.filter((e) => isFailure(e.status)).length,
    p99Ms: Ledger.percentile(shopping, 99),
    p99DuringFaultMs: faultWindow ? Ledger.percentile(during, 99) : null,
    peakP99Ms: peaks.length ? Math.max(...peaks) : null,
    readErrors: faultWindow ? during.filter((e) => READS.includes(e.action) && isFailure(e.status)).length : null,
  };
}

/** Requests over the time they were sent in, from the first to the last; null for fewer than two. */
export function requestsPerSecond(entries: readonly LedgerEntry[]): number | null {
  if (entries.length < 2) return null;
  let first = Infinity;
  let last = -Infinity;
  for (const e of entries) {
    first = Math.min(first, e.at);
    last = Math.max(last, e.at);
  }
  return last > first ? entries.length / ((last - first) / 1000) : null;
}

/**
 * The longest time during which no checkout succeeded, counted from `from` (the fault) to `until`:
 * the gap from the fault to the first acknowledgement, or between two acknowledgements, or from the
 * last one to the end when checkouts never came back. With a checkout every ~0.1 s in steady state,
 * this is the write outage as a shopper saw it.
 */
export function longestCheckoutGapSeconds(ledger: Ledger, from: number, until: number): number {
  const acks = ledger.acknowledged
    .map((o) => o.at)
    .filter((t) => t >= from && t <= until)
    .sort((a, b) => a - b);
  let previous = from;
  let longest = 0;
  for (const t of [...acks, until]) {
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  return longest / 1000;
}

export const round = (x: number | null | undefined, digits = 2): number | null => (x === null || x === undefined ? null : Math.round(x * 10 ** digits) / 10 ** digits);

import { describe, expect, it } from 'vitest';
import { requestsPerSecond } from '../src/drills/figures.js';
import { nearAim, nextSessions, saturated } from '../src/drills/load-calibration.js';
import { failedOutside, perMinute, rssGrowth, seriesByInstance, type RssSample } from '../src/drills/soak-figures.js';
import type { LedgerEntry } from '../src/load/ledger.js';
import { summaryTable } from '../src/reports/summary-table.js';
import { emptyFigures, type DrillReport } from '../src/reports/drill-report.js';

const MIN = 60_000;
const entry = (at: number, status = 200, latencyMs = 5): LedgerEntry => ({ at, action: 'browse-product', status, latencyMs });

describe('load calibration', () => {
  it('sizes the sessions in proportion to the CPU still missing, at most doubling or halving a step', () => {
    const bounds = { min: 4, max: 400 };
    expect(nextSessions(24, 20, 45, bounds)).toBe(48);
    expect(nextSessions(40, 30, 45, bounds)).toBe(60);
    expect(nextSessions(60, 90, 45, bounds)).toBe(30);
    expect(nextSessions(300, 10, 45, bounds)).toBe(400);
    expect(nextSessions(6, 200, 45, bounds)).toBe(4);
  });

  it('is near the aim within the tolerance on either side', () => {
    expect(nearAim(41, 45, 0.1)).toBe(true);
    expect(nearAim(49.4, 45, 0.1)).toBe(true);
    expect(nearAim(40, 45, 0.1)).toBe(false);
    expect(nearAim(50, 45, 0.1)).toBe(false);
  });

  it('calls the load saturated when doubling the sessions barely raised the requests/s, whatever the CPU did', () => {
    const step = (sessions: number, requestsPerSecond: number, fleetCpuPercent = 30) => ({
      sessions,
      fleetCpuPercent,
      requestsPerSecond,
      loadGeneratorPercentOfCore: 0,
      machineBusyPercent: null,
    });
    expect(saturated(step(24, 150), step(48, 160))).toBe(true);
    // A warming fleet: CPU per request fell, but the requests followed the sessions.
    expect(saturated(step(24, 152, 34), step(32, 205, 28))).toBe(false);
    // Fewer sessions, or a first step, is never saturation.
    expect(saturated(step(48, 300), step(24, 290))).toBe(false);
    expect(saturated(undefined, step(24, 150))).toBe(false);
  });
});

describe('requests per second', () => {
  it('counts requests over the time they were sent in', () => {
    expect(requestsPerSecond([entry(0), entry(500), entry(1_000), entry(2_000)])).toBe(2);
    expect(requestsPerSecond([entry(0)])).toBeNull();
  });

  it('appears in the summary table beside the request count', () => {
    const report = { drill: 'soak', passed: true, violations: [], anchors: [], figures: { ...emptyFigures(), requests: 600, requestsPerSecond: 310.5 } } as unknown as DrillReport;
    expect(summaryTable([report])).toContain('| 600 (0), 310.5/s |');
  });

  it('has a row for each drill of the run that did not run, with the reason', () => {
    const table = summaryTable([], [{ drill: 'site-down', reason: 'no DB writer took writes within 120 s: the database system is starting up' }]);
    expect(table.split('\n')).toContain('| site-down | DID NOT RUN: no DB writer took writes within 120 s: the database system is starting up | — | — | | |');
  });
});

describe('soak figures', () => {
  it('counts failures in flight outside the fault windows only, probes aside', () => {
    const entries = [entry(1_000, 502), entry(5_000, 0), entry(6_000, 503), entry(9_000, 500), entry(9_500, 200), { ...entry(9_600, 0), action: 'probe' as const }];
    expect(failedOutside(entries, [{ from: 4_000, to: 7_000 }])).toBe(2);
    expect(failedOutside(entries, [])).toBe(4);
    // Sent before the fault, still waiting when it struck: the fault's, not the steady state's.
    expect(failedOutside([entry(3_500, 0, 10_000)], [{ from: 4_000, to: 7_000 }])).toBe(0);
  });

  it('gives requests, failures and p99 per minute', () => {
    const minutes = perMinute([entry(10, 200, 5), entry(20, 200, 9), entry(MIN + 5, 503, 100)], 0, 2 * MIN);
    expect(minutes.map((m) => [m.minute, m.requests, m.failed])).toEqual([
      [0, 2, 0],
      [1, 1, 1],
    ]);
    expect(minutes[1]!.p99Ms).toBeCloseTo(100, 0);
  });

  it('reads RSS growth from the first minute after warm-up to the last minute, per instance', () => {
    const samples: RssSample[] = [];
    for (let t = 0; t <= 5 * MIN; t += 10_000) {
      // i-1 grows from 100 MiB by 5 MiB a minute; i-2 holds at 120 MiB; i-3 lives one minute, all of it warm-up (no figure).
      samples.push({ at: t, instance: 'i-1', rssMiB: 100 + (t / MIN) * 5 });
      samples.push({ at: t, instance: 'i-2', rssMiB: t < MIN ? 80 : 120 });
      if (t >= 4 * MIN) samples.push({ at: t, instance: 'i-3', rssMiB: 90 });
    }
    const growth = rssGrowth(samples, 0, MIN);
    expect(growth.map((g) => g.instance)).toEqual(['i-1', 'i-2']);
    const [i1, i2] = growth;
    // Peak of minute 1–2 is 100 + 5 × 1.83 ≈ 109.2; peak of the last minute is 125.
    expect(i1!.endMiB).toBe(125);
    expect(i1!.growthPercent).toBeGreaterThan(14);
    expect(i1!.growthPercent).toBeLessThan(15);
    expect(i2!.growthPercent).toBe(0);
  });

  it('compares an instance read for less than two minutes after warm-up over the two halves it has', () => {
    const samples: RssSample[] = [0, 10, 20, 70, 80, 90, 100].map((s) => ({ at: s * 1000, instance: 'i-9', rssMiB: s < 80 ? 100 : 110 }));
    const [g] = rssGrowth(samples, 0, 20_000);
    expect(g!.windowMs).toBe(40_000);
    expect(g!.growthPercent).toBeCloseTo(10, 5);
  });

  it('lays samples of several instances on one x axis with gaps where one was not read', () => {
    const chart = seriesByInstance(
      [
        { at: 0, id: 'a', v: 1 },
        { at: 30_000, id: 'a', v: 2 },
        { at: 30_000, id: 'b', v: 3 },
      ],
      (s) => s.id,
      (s) => s.v,
      0,
    );
    expect(chart.x).toEqual([0, 0.5]);
    expect(chart.series).toEqual([
      { label: 'a', values: [1, 2] },
      { label: 'b', values: [null, 3] },
    ]);
  });
});

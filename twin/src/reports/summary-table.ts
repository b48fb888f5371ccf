import type { DrillReport, Figures } from './drill-report.js';

/** The figures each drill answers for (issue 6's drill table), in the order shown. */
export const headlineFigures: Record<string, (keyof Figures)[]> = {
  'instance-crash': ['failedRequests', 'p99DuringFaultMs', 'recoverySeconds'],
  'zone-outage': ['failedRequests', 'checkoutOutageSeconds', 'ordersLost', 'timeToFullCapacitySeconds'],
  'db-failover': ['writeOutageSeconds', 'ordersLost', 'readErrors'],
  'hung-db-primary': ['writeOutageSeconds', 'ordersLost', 'readErrors', 'failedRequests'],
  'site-down': ['secondsToBackupSite', 'pageLoadsFailed', 'secondsToDeepCheckFailover', 'secondsBackToPrimary'],
  'flash-sale': ['ordersPerSecond', 'p99Ms', 'oversold', 'fairness'],
  'scale-out': ['secondsUntilNewInstanceServes', 'secondsToScalingDecision', 'secondsFromDecisionToServing', 'warmInstanceUsed', 'peakP99Ms', 'scaleInSeconds'],
  'rolling-deploy': ['failedRequests', 'recoverySeconds'],
  'credential-rotation': ['failedRequests', 'readErrors'],
  'payment-provider-outage': ['acknowledgedOrders', 'ordersConfirmed', 'placedWithoutPayment', 'failedRequests'],
  'cache-failover': ['failedRequests', 'p99DuringFaultMs', 'recoverySeconds', 'shoppersLoggedOut'],
  'cache-outage': ['failedRequests', 'p99DuringFaultMs', 'recoverySeconds', 'shoppersLoggedOut'],
  'hung-instance': ['failedRequests', 'detectionSeconds', 'slowestRequestMs', 'recoverySeconds'],
  'slow-instance': ['failedRequests', 'detectionSeconds', 'slowestRequestMs', 'p99DuringFaultMs'],
  'zone-partition': ['failedRequests', 'ordersLost', 'splitBrainRounds', 'longestNoWriterSeconds', 'writeOutageSeconds'],
  'replica-down': ['failedRequests', 'readErrors', 'p99DuringFaultMs', 'recoverySeconds'],
  soak: ['rssGrowthPercent', 'failedOutsideFaults', 'ordersLost', 'requestsPerSecond'],
  'region-outage': ['rtoSeconds', 'rpoSeconds', 'rpoOrders', 'regionDetectionSeconds', 'regionPromotionSeconds'],
  'consumer-crash': ['eventsLost', 'duplicateNotifications', 'analyticsMismatches', 'recoverySeconds', 'consumerDrainSeconds'],
  'broker-failover': ['eventsLost', 'failedRequests', 'recoverySeconds', 'outboxDrainSeconds'],
  'broker-outage': ['failedRequests', 'outboxPeakBacklog', 'outboxDrainSeconds', 'eventsUnpublished'],
};

function show(name: keyof Figures, figures: Figures): string {
  const v = figures[name];
  if (v === null || v === undefined) return `${name} —`;
  if (name === 'fairness' && typeof v === 'object') {
    const unanswered = v.unanswered ? `, ${v.unanswered} unanswered` : '';
    return `fairness: ${v.winners}/${v.shoppers} won, max ${v.maxUnitsPerShopper}/shopper, Jain ${v.jainIndexOverInstances?.toFixed(3) ?? '—'}${unanswered}`;
  }
  return `${name} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v)}`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** A drill of the run that could not run (the twin never became ready, the drill threw), and why. */
export interface NotRun {
  drill: string;
  reason: string;
}

/**
 * A Markdown table: each drill's figures beside the published figure for the same event, with its
 * source; then a row for each drill that did not run, so a reader sees the whole run.
 */
export function summaryTable(reports: DrillReport[], notRun: readonly NotRun[] = []): string {
  const lines = [
    '| drill | reconciled | measured here | requests (failed), requests/s | AWS / peer figure | source |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of reports) {
    const measured = (headlineFigures[r.drill] ?? []).map((f) => show(f, r.figures)).join('; ');
    const anchors = r.anchors.map((a) => `${a.event}: ${a.published}`).join('<br>');
    const sources = r.anchors.map((a) => `[${a.source}](${a.url})`).join('<br>');
    const verdict = r.passed ? `ok (${r.figures.acknowledgedOrders} orders, 0 lost)` : `FAILED: ${r.violations.join('; ')}`;
    lines.push(`| ${r.drill} | ${cell(verdict)} | ${cell(measured)} | ${r.figures.requests} (${r.figures.failedRequests}), ${r.figures.requestsPerSecond ?? '—'}/s | ${cell(anchors)} | ${cell(sources)} |`);
  }
  for (const n of notRun) lines.push(`| ${n.drill} | ${cell(`DID NOT RUN: ${n.reason}`)} | — | — | | |`);
  return lines.join('\n');
}

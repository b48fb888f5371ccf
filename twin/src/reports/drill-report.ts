import os from 'node:os';
import type { TimelinePoint } from '../load/ledger.js';
import type { Anchor } from './anchors.js';

/** How the fairness of a flash sale is read: who got the stock, and whether any instance was favoured. */
export interface Fairness {
  shoppers: number;
  winners: number;
  /** The most units one shopper got; each asked for one. */
  maxUnitsPerShopper: number;
  /** Shoppers whose checkout got no answer from any instance (timeouts, proxy errors) after every retry. */
  unanswered: number;
  /** Share of answered shoppers who won, per instance that answered them. */
  winRateByInstance: Record<string, number>;
  /** Jain's fairness index over those win rates: 1 means every instance's shoppers had the same chance. */
  jainIndexOverInstances: number | null;
  /** Spread between the first and last shopper's first checkout request: how "same instant" the start was. */
  startSpreadMs: number;
}

/**
 * The figures of a drill. The first nine names are read by other tools (issue 6); the rest are the
 * drill-specific figures. A figure that does not apply to a drill is null.
 */
export interface Figures {
  requests: number;
  failedRequests: number;
  acknowledgedOrders: number;
  ordersLost: number;
  duplicateOrders: number;
  oversold: number;
  writeOutageSeconds: number | null;
  recoverySeconds: number | null;
  p99Ms: number | null;
  p99DuringFaultMs: number | null;
  peakP99Ms: number | null;
  readErrors: number | null;
  checkoutOutageSeconds: number | null;
  timeToFullCapacitySeconds: number | null;
  /** site-down: seconds from the fault to the first page load whose catalog came from the backup site (per-request failover). */
  secondsToBackupSite: number | null;
  /** site-down: page loads (document + catalog GETs) with any part unanswered or 5xx, from the fault until the site is back. */
  pageLoadsFailed: number | null;
  /** site-down: seconds from the fault until the Route 53-style deep check moved the whole site to the backup. */
  secondsToDeepCheckFailover: number | null;
  secondsBackToPrimary: number | null;
  ordersPerSecond: number | null;
  unitsSold: number | null;
  fairness: Fairness | null;
  secondsUntilNewInstanceServes: number | null;
  /** scale-out: seconds from the load step to the controller's scale-out decision (desired capacity raised). */
  secondsToScalingDecision: number | null;
  /** scale-out: seconds from that decision until a new instance passed the target health check and took traffic. */
  secondsFromDecisionToServing: number | null;
  /** scale-out: whether that instance came from the warm pool; null without a decision or an instance in service after it. */
  warmInstanceUsed: boolean | null;
  scaleInSeconds: number | null;
  negativeStock: number;
  placedButUnacknowledged: number;
  checkoutsAbandoned: number;
  /** Orders the shop told shoppers were placed (their payment confirmed). */
  ordersConfirmed: number;
  /** Orders placed without a DONE payment of their total at the provider; null when its payments were not read. */
  placedWithoutPayment: number | null;
  /** Signed-in shoppers who got a 401 on a route that needs their session; null when sessions were not watched. */
  shoppersLoggedOut: number | null;
  /** db-failover: seconds from the fault until the new primary took writes, by the monitor's event log; the write outage is measured against it. */
  dbPromotionSeconds: number | null;
  /** Gray failures: seconds from the fault until the load balancer had the instance out of its rotation; null when it stayed in. */
  detectionSeconds: number | null;
  /** Gray failures: the slowest shopper request of the fault window, in ms. */
  slowestRequestMs: number | null;
  /** Shopper requests per second over the load (first to last request sent); null without a load. */
  requestsPerSecond: number | null;
  /** The serving instances' mean CPU over the load, each as a percent of its vCPUs (the twin's cpuPercent, read in short windows); null without a twin. */
  fleetCpuPercent: number | null;
  /** What the drill process (load generator, ledger, status watcher) used over the load, as a percent of one core. */
  loadGeneratorCpuPercent: number | null;
  /** soak: the largest RSS growth of an instance from the end of its warm-up to the end of its life, in percent. */
  rssGrowthPercent: number | null;
  /** soak: shopper requests that failed outside the fault windows. */
  failedOutsideFaults: number | null;
  /** region-outage: seconds from the fault until region b acknowledged an order. */
  rtoSeconds: number | null;
  /** region-outage: orders region a acknowledged that region b lacks after the promotion. */
  rpoOrders: number | null;
  /** region-outage: seconds of writes lost: the last acknowledgement from region a after the last commit region b replayed. */
  rpoSeconds: number | null;
  /** region-outage: seconds from the fault until the global front door's health check marked region a down. */
  regionDetectionSeconds: number | null;
  /** region-outage: how long pg_promote took on region b's copy. */
  regionPromotionSeconds: number | null;
  /** Event consumers: outbox events a consumer had not handled when the drain wait ended (lost or dead-lettered); null without consumers. */
  eventsLost: number | null;
  /** Event consumers: order events whose mail is not in the twin's mailbox, by Message-ID. */
  notificationsMissing: number | null;
  /** Event consumers: extra copies of a mail already delivered (same Message-ID), absorbed: one message each. */
  duplicateNotifications: number | null;
  /** Event consumers: placed orders the sales feed has not counted, and (day, product) rows that differ from their order lines. */
  analyticsMismatches: number | null;
  /** Event consumers: seconds from the end of the load until both consumers had handled every event. */
  consumerDrainSeconds: number | null;
  /** Broker drills: the most outbox rows unpublished at once (counted every second). */
  outboxPeakBacklog: number | null;
  /** Broker drills: seconds until every outbox row written before the moment measured from (the restore, the end of the load) was published. */
  outboxDrainSeconds: number | null;
  /** broker-outage: orders told placed during the outage without exactly one published order.placed event. */
  eventsUnpublished: number | null;
  /** zone-partition: probe rounds (every 0.5 s) in which more than one database node committed a write: split brain. */
  splitBrainRounds: number | null;
  /** zone-partition: the longest stretch in which no database node committed a probe write, in seconds. */
  longestNoWriterSeconds: number | null;
}

export const emptyFigures = (): Figures => ({
  requests: 0,
  failedRequests: 0,
  acknowledgedOrders: 0,
  ordersLost: 0,
  duplicateOrders: 0,
  oversold: 0,
  writeOutageSeconds: null,
  recoverySeconds: null,
  p99Ms: null,
  p99DuringFaultMs: null,
  peakP99Ms: null,
  readErrors: null,
  checkoutOutageSeconds: null,
  timeToFullCapacitySeconds: null,
  secondsToBackupSite: null,
  pageLoadsFailed: null,
  secondsToDeepCheckFailover: null,
  secondsBackToPrimary: null,
  ordersPerSecond: null,
  unitsSold: null,
  fairness: null,
  secondsUntilNewInstanceServes: null,
  secondsToScalingDecision: null,
  secondsFromDecisionToServing: null,
  warmInstanceUsed: null,
  scaleInSeconds: null,
  negativeStock: 0,
  placedButUnacknowledged: 0,
  checkoutsAbandoned: 0,
  ordersConfirmed: 0,
  placedWithoutPayment: null,
  shoppersLoggedOut: null,
  detectionSeconds: null,
  slowestRequestMs: null,
  dbPromotionSeconds: null,
  requestsPerSecond: null,
  fleetCpuPercent: null,
  loadGeneratorCpuPercent: null,
  rssGrowthPercent: null,
  failedOutsideFaults: null,
  rtoSeconds: null,
  rpoOrders: null,
  rpoSeconds: null,
  regionDetectionSeconds: null,
  regionPromotionSeconds: null,
  eventsLost: null,
  notificationsMissing: null,
  duplicateNotifications: null,
  analyticsMismatches: null,
  consumerDrainSeconds: null,
  outboxPeakBacklog: null,
  outboxDrainSeconds: null,
  eventsUnpublished: null,
  splitBrainRounds: null,
  longestNoWriterSeconds: null,
});

/** A moment on the timeline: when the fault was injected, when the system recovered. */
export interface Mark {
  /** Seconds since the run started. */
  at: number;
  kind: 'fault' | 'recovery' | 'restore' | 'info';
  label: string;
}

/** A chart beyond the per-second timeline: one x axis, one or more series that share a y axis. */
export interface ReportChart {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: { label: string; values: (number | null)[] }[];
}

export interface DrillReport {
  drill: string;
  startedAt: string;
  finishedAt: string;
  settings: Record<string, unknown>;
  machine: Record<string, unknown>;
  figures: Figures;
  anchors: Anchor[];
  /** True when reconciliation found nothing wrong. */
  passed: boolean;
  violations: string[];
  marks: Mark[];
  timeline: TimelinePoint[];
  /** The twin's own events during the run (controller actions, failovers), when a twin was driven. */
  events: { at: string; kind: string; reason: string }[];
  notes: string[];
  /** Extra charts a drill draws (the soak's RSS per instance and p99 per minute). */
  charts?: ReportChart[];
}

export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: os.loadavg()[0],
    platform: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

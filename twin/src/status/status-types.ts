import type { Zone } from '@evermall/topology';
import type { BrokerStatus } from '../broker/message-broker.js';
import type { CacheStatus } from '../cache/cache-tier.js';
import type { BatchInFlight } from '../functions/event-consumers.js';
import type { OrderEventConsumersStatus } from '../functions/order-event-consumers.js';
import type { DbNodeStatus } from '../database/database-cluster.js';
import type { TwinEvent } from '../events.js';
import type { FrontDoorMode } from '../front-door/front-door.js';
import type { TrafficFigures } from '../load-balancer/traffic-meter.js';
import type { IdentityStatus } from '../identity/identity-providers.js';
import type { PaymentProviderStatus } from '../payments/payment-provider.js';
import type { RegionsStatus } from '../regions/region-failover.js';
import type { InstanceView, WarmPoolView } from '../scaling/auto-scaling-controller.js';

export interface TwinUrls {
  frontDoor: string;
  loadBalancer: string;
  status: string;
  haproxyStats: string;
}

/** What GET /api/status answers (see twin/README.md, "Control API"). */
export interface TwinStatus {
  instances: InstanceView[];
  database: { writerUrl: string; readerUrl: string; nodes: DbNodeStatus[] };
  frontDoor: { url: string; mode: FrontDoorMode; lastCheck?: { at: string; ok: boolean; detail: string } | undefined };
  loadBalancer: { url: string; statsUrl: string };
  traffic: TrafficFigures;
  /** The payment provider the instances charge through (the Toss Payments stand-in) and its payments by status. */
  payments: PaymentProviderStatus;
  /** The sign-in providers: the user pool (Cognito stand-in) and the social IdP behind it. */
  identity: IdentityStatus;
  /** The cache tier: its primary endpoint, each node's role (its own INFO replication), each Sentinel's primary. */
  cache: CacheStatus;
  /** The message broker: its one endpoint, each RabbitMQ node's process and whether the endpoint sends it connections. */
  broker: BrokerStatus;
  /** The second region and the global front door; absent on a twin started without --regions 2. */
  regions?: RegionsStatus;
  /** The event consumers' process (order notifier, sales feed) and the mailbox their mail lands in; absent on a twin without them. */
  consumers?: OrderEventConsumersStatus;
  autoScaling: {
    desired: number;
    min: number;
    max: number;
    cpuTargetPercent: number;
    blockedZones: Zone[];
    /** The warm pool: stopped instances a scale-out takes first (they are not in `instances`). */
    warmPool: WarmPoolView;
    /** Scheduled actions still to run, soonest first; `at` is ISO 8601. */
    scheduledActions: { name: string; at: string; desired: number; min?: number; max?: number }[];
  };
  events: TwinEvent[];
  urls: TwinUrls;
}

/** What POST /api/commands/:name answers. */
export interface CommandResult {
  ok: boolean;
  message: string;
  /** Event kinds that show the system reacted; the CLI follows the log until one appears. */
  expect?: string[];
  [detail: string]: unknown;
}

/** What kill-consumers answers besides the message: the process killed and the batches it had in flight. */
export interface KillConsumersResult extends CommandResult {
  pid: number | undefined;
  inFlight: BatchInFlight[];
}

export const commandNames = [
  'kill-instance',
  'hang-instance',
  'slow-instance',
  'fail-zone',
  'partition-zones',
  'fail-db-primary',
  'hang-db-primary',
  'fail-db-replica',
  'fail-cache-primary',
  'fail-cache',
  'restore-cache',
  'fail-broker-node',
  'fail-broker',
  'restore-broker',
  'fail-site',
  'stress-cpu',
  'scale',
  'schedule-scale',
  'restore',
  'deploy',
  'rotate-db-password',
  'fail-region',
  'promote-region',
  'restore-region',
  'kill-consumers',
  'down',
] as const;
export type CommandName = (typeof commandNames)[number];

import type { MessageBroker } from '../broker/message-broker.js';
import type { CacheTier } from '../cache/cache-tier.js';
import type { DatabaseCluster } from '../database/database-cluster.js';
import type { EventLog } from '../events.js';
import type { FrontDoor } from '../front-door/front-door.js';
import type { OrderEventConsumers } from '../functions/order-event-consumers.js';
import type { IdentityProviders } from '../identity/identity-providers.js';
import type { LoadBalancer } from '../load-balancer/load-balancer.js';
import type { TrafficMeter } from '../load-balancer/traffic-meter.js';
import type { PaymentProvider } from '../payments/payment-provider.js';
import type { RegionFailover } from '../regions/region-failover.js';
import type { AutoScalingController } from '../scaling/auto-scaling-controller.js';
import type { TwinStatus, TwinUrls } from './status-types.js';

/** The parts of a twin the status reads. */
export interface StatusSources {
  controller: AutoScalingController;
  database: DatabaseCluster;
  frontDoor: FrontDoor;
  loadBalancer: LoadBalancer;
  traffic: TrafficMeter;
  payments: PaymentProvider;
  identity: IdentityProviders;
  cache: CacheTier;
  broker: MessageBroker;
  events: EventLog;
  /** The second region and the global front door; absent on a twin started without --regions 2. */
  regions?: RegionFailover | undefined;
  /** The order notifier and sales feed, and the SMTP sink they send through; absent on a twin without a broker. */
  eventConsumers?: OrderEventConsumers | undefined;
}

/** The twin's URLs for people: the front door, the load balancer, the status page, HAProxy's stats. */
export function twinUrls(parts: Pick<StatusSources, 'frontDoor' | 'loadBalancer'>, statusPort: number): TwinUrls {
  return { frontDoor: parts.frontDoor.url, loadBalancer: parts.loadBalancer.url, status: `http://127.0.0.1:${statusPort}`, haproxyStats: parts.loadBalancer.statsUrl };
}

/** What GET /api/status answers, read from the parts as they are now. */
export async function readTwinStatus(parts: StatusSources, statusPort: number): Promise<TwinStatus> {
  const { controller, database, frontDoor, loadBalancer, traffic, payments, identity, cache, events } = parts;
  const { minCapacity, maxCapacity, cpuTargetPercent } = controller.timings;
  return {
    instances: controller.list(),
    database: { writerUrl: database.writerUrl, readerUrl: database.readerUrl, nodes: await database.nodes() },
    frontDoor: { url: frontDoor.url, mode: frontDoor.mode, lastCheck: frontDoor.lastCheck },
    loadBalancer: { url: loadBalancer.url, statsUrl: loadBalancer.statsUrl },
    traffic: traffic.figures(),
    payments: payments.status(),
    identity: identity.status(),
    cache: await cache.status(),
    broker: await parts.broker.status(),
    ...(parts.regions ? { regions: await parts.regions.status() } : {}),
    ...(parts.eventConsumers ? { consumers: parts.eventConsumers.status() } : {}),
    autoScaling: {
      desired: controller.desiredCapacity,
      min: minCapacity,
      max: maxCapacity,
      cpuTargetPercent,
      blockedZones: controller.blocked,
      warmPool: controller.warmPool(),
      scheduledActions: controller.scheduledActions.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
    },
    events: events.recent(),
    urls: twinUrls(parts, statusPort),
  };
}

import type { Drill, DrillName } from './drill.js';
import { dbFailoverDrill, hungDbPrimaryDrill, zonePartitionDrill, instanceCrashDrill, rollingDeployDrill, scaleOutDrill, siteDownDrill, zoneOutageDrill } from './fault-drills.js';
import { brokerFailoverDrill, brokerOutageDrill } from './broker-drills.js';
import { cacheFailoverDrill, cacheOutageDrill } from './cache-drills.js';
import { consumerCrashDrill } from './consumer-drills.js';
import { credentialRotationDrill } from './credential-rotation.drill.js';
import { flashSaleDrill } from './flash-sale.drill.js';
import { hungInstanceDrill, replicaDownDrill, slowInstanceDrill } from './gray-failure-drills.js';
import { paymentProviderOutageDrill } from './payment-provider-outage.drill.js';
import { soakDrill } from './soak.drill.js';
import { regionOutageDrill } from '../regions/region-outage.drill.js';

/** Each drill is made fresh per run: a drill keeps state between arrange() and run(). */
export const drills: Record<DrillName, () => Drill> = {
  'instance-crash': instanceCrashDrill,
  'zone-outage': zoneOutageDrill,
  'db-failover': dbFailoverDrill,
  'site-down': siteDownDrill,
  'flash-sale': flashSaleDrill,
  'scale-out': scaleOutDrill,
  'rolling-deploy': rollingDeployDrill,
  'credential-rotation': credentialRotationDrill,
  'payment-provider-outage': paymentProviderOutageDrill,
  'cache-failover': cacheFailoverDrill,
  'cache-outage': cacheOutageDrill,
  'hung-instance': hungInstanceDrill,
  'slow-instance': slowInstanceDrill,
  'replica-down': replicaDownDrill,
  'hung-db-primary': hungDbPrimaryDrill,
  'zone-partition': zonePartitionDrill,
  soak: soakDrill,
  // Not in `all`: it needs a second region and leaves region a as the standby region.
  'region-outage': regionOutageDrill,
  'consumer-crash': consumerCrashDrill,
  'broker-failover': brokerFailoverDrill,
  'broker-outage': brokerOutageDrill,
};

/**
 * The order of `drill all`: gentle faults first, the scale-out (longest) and the deploy last.
 * The soak is not in it: `all --with-soak` adds it at the end (it runs for --minutes).
 */
export const allDrillsInOrder: DrillName[] = [
  'flash-sale',
  'payment-provider-outage',
  'consumer-crash',
  'instance-crash',
  'hung-instance',
  'slow-instance',
  'replica-down',
  'cache-failover',
  'cache-outage',
  'broker-failover',
  'broker-outage',
  'db-failover',
  'hung-db-primary',
  'zone-partition',
  'zone-outage',
  'site-down',
  'credential-rotation',
  'rolling-deploy',
  'scale-out',
];

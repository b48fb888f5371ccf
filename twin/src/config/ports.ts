import { createServer } from 'node:net';
import { freePort } from '@evermall/testkit';
import { twinPorts } from '@evermall/topology';
import { identitySettings } from './twin-settings.js';

/** Every port the twin listens on (127.0.0.1). 0 means "any free port" (tests). */
export interface TwinPortMap {
  frontDoor: number;
  loadBalancer: number;
  statusPage: number;
  haproxyStats: number;
  firstInstance: number;
  dbMonitor: number;
  dbNodeA: number;
  dbNodeB: number;
  dbReplica: number;
  /** UDP port HAProxy sends its request log to, for requests/s and p99. */
  trafficLog: number;
  /** The Toss Payments stand-in the instances charge through (api.tosspayments.com and its payment window). */
  paymentProvider: number;
  /** The Cognito user pool stand-in (an OpenID Connect provider), on its own loopback address (identitySettings). */
  userPool: number;
  /** The social IdP stand-in (Kakao) behind the user pool, on another loopback address. */
  socialIdp: number;
  /** The cache tier's one primary endpoint (HAProxy; ElastiCache's primary endpoint): what instances connect to. */
  cacheEndpoint: number;
  /** The cache nodes: the first primary (zone a) and the replica (zone b). */
  cacheNodeA: number;
  cacheNodeB: number;
  /** The three Sentinels that watch the cache nodes and promote the replica. */
  cacheSentinel1: number;
  cacheSentinel2: number;
  cacheSentinel3: number;
  /** The message broker's one endpoint (HAProxy in TCP mode over the three RabbitMQ nodes): the amqp URL instances and consumers use. */
  brokerEndpoint: number;
  /** The broker's three RabbitMQ nodes' AMQP listeners. */
  brokerNode1: number;
  brokerNode2: number;
  brokerNode3: number;
  /** Their Erlang distribution listeners (node to node, and rabbitmqctl). */
  brokerDist1: number;
  brokerDist2: number;
  brokerDist3: number;
  /** The broker's own epmd (Erlang's port mapper), which the nodes and rabbitmqctl find each other through. */
  brokerEpmd: number;
}

/** What each port is called for people, and the CLI flag that changes it. */
export const portFlags: Record<keyof TwinPortMap, { label: string; flag: string }> = {
  frontDoor: { label: 'front door', flag: '--front-door-port' },
  loadBalancer: { label: 'load balancer (HAProxy)', flag: '--load-balancer-port' },
  statusPage: { label: 'status page', flag: '--status-port' },
  haproxyStats: { label: 'HAProxy stats', flag: '--haproxy-stats-port' },
  firstInstance: { label: 'first shop instance', flag: '--first-instance-port' },
  dbMonitor: { label: 'pg_auto_failover monitor', flag: '--db-monitor-port' },
  dbNodeA: { label: 'database node a', flag: '--db-port-a' },
  dbNodeB: { label: 'database node b', flag: '--db-port-b' },
  dbReplica: { label: 'database read replica', flag: '--db-port-replica' },
  trafficLog: { label: 'HAProxy log receiver (UDP)', flag: '--traffic-log-port' },
  paymentProvider: { label: 'payment provider (Toss Payments stand-in)', flag: '--payment-provider-port' },
  userPool: { label: 'user pool (Cognito stand-in)', flag: '--user-pool-port' },
  socialIdp: { label: 'social IdP (Kakao stand-in)', flag: '--social-idp-port' },
  cacheEndpoint: { label: 'cache primary endpoint (HAProxy)', flag: '--cache-port' },
  cacheNodeA: { label: 'cache node a', flag: '--cache-port-a' },
  cacheNodeB: { label: 'cache node b', flag: '--cache-port-b' },
  cacheSentinel1: { label: 'cache Sentinel 1', flag: '--cache-sentinel-port-1' },
  cacheSentinel2: { label: 'cache Sentinel 2', flag: '--cache-sentinel-port-2' },
  cacheSentinel3: { label: 'cache Sentinel 3', flag: '--cache-sentinel-port-3' },
  brokerEndpoint: { label: 'message broker endpoint (HAProxy)', flag: '--broker-port' },
  brokerNode1: { label: 'broker node 1', flag: '--broker-port-1' },
  brokerNode2: { label: 'broker node 2', flag: '--broker-port-2' },
  brokerNode3: { label: 'broker node 3', flag: '--broker-port-3' },
  brokerDist1: { label: 'broker node 1 distribution', flag: '--broker-dist-port-1' },
  brokerDist2: { label: 'broker node 2 distribution', flag: '--broker-dist-port-2' },
  brokerDist3: { label: 'broker node 3 distribution', flag: '--broker-dist-port-3' },
  brokerEpmd: { label: 'broker epmd', flag: '--broker-epmd-port' },
};

/** Where each port listens: 127.0.0.1, except the sign-in providers, each on an address of its own (cookies ignore ports). */
export function portHost(key: keyof TwinPortMap): string {
  if (key === 'userPool') return identitySettings.userPoolHost;
  if (key === 'socialIdp') return identitySettings.socialIdpHost;
  return '127.0.0.1';
}

export function defaultPorts(): TwinPortMap {
  return {
    frontDoor: twinPorts.frontDoor,
    loadBalancer: twinPorts.loadBalancer,
    statusPage: twinPorts.statusPage,
    haproxyStats: twinPorts.haproxyStats,
    firstInstance: twinPorts.firstInstance,
    dbMonitor: twinPorts.dbMonitor,
    dbNodeA: twinPorts.dbNodes.a,
    dbNodeB: twinPorts.dbNodes.b,
    dbReplica: twinPorts.dbNodes.replica,
    trafficLog: twinPorts.haproxyStats + 1,
    // Beside the status page: both are the twin's own, not the architecture's (AWS has no port for Toss).
    paymentProvider: twinPorts.statusPage + 1,
    userPool: twinPorts.statusPage + 2,
    socialIdp: twinPorts.statusPage + 3,
    cacheEndpoint: twinPorts.cacheEndpoint,
    cacheNodeA: twinPorts.cacheNodes.a,
    cacheNodeB: twinPorts.cacheNodes.b,
    cacheSentinel1: twinPorts.cacheSentinels[0],
    cacheSentinel2: twinPorts.cacheSentinels[1],
    cacheSentinel3: twinPorts.cacheSentinels[2],
    // The broker is the twin's own (AWS's SNS and SQS have no ports): beside RabbitMQ's defaults
    // (AMQP 5672, distribution 25672, epmd 4369), not on them, which Debian's packaged service uses.
    brokerEndpoint: 5680,
    brokerNode1: 5681,
    brokerNode2: 5682,
    brokerNode3: 5683,
    brokerDist1: 25681,
    brokerDist2: 25682,
    brokerDist3: 25683,
    brokerEpmd: 4380,
  };
}

/** Every port 0 (free-picked): a drill's or a test's own twin never collides with one a person runs. */
export function freePickedPorts(): TwinPortMap {
  const ports = defaultPorts();
  for (const key of Object.keys(ports) as (keyof TwinPortMap)[]) ports[key] = 0;
  return ports;
}

export class PortTakenError extends Error {
  constructor(
    readonly portName: keyof TwinPortMap,
    readonly port: number,
  ) {
    super(`Port ${port} for the ${portFlags[portName].label} is taken: stop what uses it or pick another with ${portFlags[portName].flag} N`);
    this.name = 'PortTakenError';
  }
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** Fills in 0 ports with free ones. */
export async function resolvePorts(ports: TwinPortMap): Promise<TwinPortMap> {
  const out = { ...ports };
  for (const key of Object.keys(out) as (keyof TwinPortMap)[]) {
    if (out[key] === 0 && key !== 'firstInstance') out[key] = await freePort();
  }
  return out;
}

/** Throws PortTakenError naming the first taken port. */
export async function assertPortsFree(ports: TwinPortMap, keys: (keyof TwinPortMap)[]): Promise<void> {
  for (const key of keys) {
    if (key === 'trafficLog') continue; // UDP: a TCP probe says nothing about it
    if (!(await isPortFree(ports[key], portHost(key)))) throw new PortTakenError(key, ports[key]);
  }
}

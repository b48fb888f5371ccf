import { cache } from '@evermall/topology';
/**
 * Settings that exist only on the twin (AWS has no equivalent knob, so they are not in
 * topology/). Everything shared with infra/ comes from '@evermall/topology'.
 */
export const loadBalancerSettings = {
  /**
   * Connection attempts per request, with `option redispatch 1` moving each retry to another
   * server ("retries", "option redispatch" in the HAProxy 2.6 configuration manual, §4.2).
   * With these, killing one of two servers under load failed 0 of 53,456 requests here.
   */
  retries: 3,
  connectTimeoutMs: 1000,
  clientTimeoutSeconds: 30,
  /**
   * How long the front door's hops wait for the load balancer, which itself gives an instance
   * topology's read or write timeout and then retries elsewhere: the edge must outwait that whole
   * answer, as CloudFront's origin timeout (default 30 s) outwaits the ALB's.
   */
  edgeTimeoutSeconds: 30,
  /**
   * Requests to one instance that failed there (no answer within the timeout, a refused or reset
   * connection) and were sent to another, within one controller tick, past which the load
   * balancer takes the instance out of its rotation at once, if it also answered fewer requests
   * than it failed in that tick; its health checks bring it back when it answers them again
   * (AnomalyMitigation). HAProxy's own passive checks ("observe layer7") count 5xx answers but
   * not timeouts (measured on 2.6: `hanafail` stayed 0 while `wredis` counted every abandoned
   * request), so a hung instance would stay in and cost every request sent to it a timeout. The
   * ALB's counterpart is anomaly mitigation (automatic target weights), which sends less traffic to
   * a target with more errors than its peers.
   */
  failedRequestLimit: 3,
  /** Server slots declared with server-template, filled and emptied at run time through the Runtime API. */
  slotsPerMaxCapacity: 2,
} as const;

/** How requests/s and p99 are computed from HAProxy's request log. */
export const trafficSettings = {
  windowSeconds: 10,
} as const;

export const instanceSettings = {
  /**
   * The vCPUs of one instance, enforced with a kernel CPU quota (cgroup cpu.max, or
   * cpu.cfs_quota_us on cgroup v1) when the twin runs as root. On AWS an instance has its
   * instance type's vCPUs and CPUUtilization is a share of them; on one 2-core machine shared
   * with the load generator, HAProxy and PostgreSQL, an unlimited instance peaked at about 37 %
   * of a CPU whatever the load, so the 50 % target of topology/ could never be reached and a new
   * instance added no capacity. Half a CPU each: two instances saturate at one CPU and leave
   * the other to everything else, and scaling out really adds capacity.
   */
  vcpu: 0.5,
} as const;

export const controllerSettings = {
  /** How often the controller reconciles (reads health and CPU, launches, drains). */
  tickMs: 1000,
  /**
   * Rolling window of the CPU average. CloudWatch's EC2 metric has a 1-minute period and target
   * tracking evaluates it (EC2 Auto Scaling User Guide, "Target tracking scaling policies").
   */
  cpuWindowSeconds: 60,
  /** How long SIGTERM may take before SIGKILL (beyond the shop's own bound). */
  killAfterSeconds: 5,
} as const;

export const frontDoorSettings = {
  /**
   * A deep check that takes longer than this counts as failed. Route 53's checkers allow 4 s to
   * connect and 2 s for the response (Route 53 Developer Guide, "How Amazon Route 53 determines
   * whether a health check is healthy"); locally the connect is instant.
   */
  checkTimeoutMs: 2000,
} as const;

export const databaseSettings = {
  /**
   * An async replica can receive WAL the synchronous standby never got before the primary
   * died; after the standby's promotion it cannot follow the new timeline and pg_autoctl
   * retries forever. A replica stuck in a transition this long is rebuilt from the primary,
   * as RDS re-creates a read replica that broke.
   */
  replicaStuckSeconds: 30,
  /** How often the twin reads the monitor's view of the nodes (primary changes, rejoins, a stuck replica). */
  watchIntervalMs: 500,
  /** A node catching up this long gets a checkpoint on the primary, which its pg_basebackup waits for (database-watcher.ts). */
  rebuildCheckpointAfterSeconds: 5,
} as const;

export const identitySettings = {
  /**
   * The sign-in providers' loopback addresses: browsers keep cookies per host, not per port
   * (RFC 6265 §8.5), so two providers on 127.0.0.1 would overwrite each other's session cookies
   * (docs/design.md, "Cookies ignore ports").
   */
  userPoolHost: '127.0.0.2',
  socialIdpHost: '127.0.0.3',
  /** A provider process that died is started again after this long, so one that dies at once does not spin. */
  restartDelayMs: 1000,
  /** How long a provider process may take to answer its discovery document (tsx compiles it first). */
  startTimeoutMs: 30_000,
  /** How long SIGTERM may take before SIGKILL. */
  stopBoundMs: 5000,
} as const;

export const cacheSettings = {
  /** Three Sentinels, two of which must agree a primary is down (redis.io, "Sentinel", "Example 2: basic setup with three boxes"). */
  sentinels: 3,
  quorum: 2,
  /** The name the Sentinels monitor the primary under (`sentinel monitor <name> ...`). */
  masterName: 'evermall',
  /**
   * Memory per node: the smallest ElastiCache node (cache.t4g.micro) has 0.5 GiB; the twin shares
   * one machine with everything else, and a full cache evicts (infra's maxmemory-policy) instead
   * of growing.
   */
  maxMemoryMiB: 128,
  /** topology's, as ElastiCache's parameter group has it. */
  maxMemoryPolicy: cache.maxMemoryPolicy,
  /**
   * Idle client connections are kept, as ElastiCache's `timeout` 0 keeps them; the shop's client
   * holds one connection per instance for hours. HAProxy's client/server timeouts bound it anyway.
   */
  endpointIdleTimeoutSeconds: 3600,
  /** How often the twin reads the Sentinels' view of the primary (primary changes, restarts of a crashed node). */
  watchIntervalMs: 250,
  /** A crashed Sentinel is started again after this long, so one that dies at once does not spin. */
  restartDelayMs: 1000,
  /** One probe (PING, INFO, SENTINEL) of a node on loopback; past it the node counts as not answering. */
  probeTimeoutMs: 500,
  /** Start-up: a node answering, the replica in sync, the Sentinels agreeing on a quorum. */
  startTimeoutMs: 30_000,
  /** How long SIGTERM may take before SIGKILL. */
  stopBoundMs: 5000,
} as const;

export const tracingSettings = {
  /**
   * The collector's current file of spans is rotated past this, and one rotated file is kept:
   * at most twice this in `.twin/traces/`. A traced checkout is a few dozen spans of under 1 KiB,
   * so this keeps the last few hundred checkouts' traces however long the twin runs, and the
   * status page parses at most twice this for its list.
   */
  maxFileBytes: 4 * 1024 * 1024,
  /** An export request bigger than this is refused (413): the SDK's batches of 512 spans are far smaller. */
  maxRequestBytes: 16 * 1024 * 1024,
  /** How often the front door's spans, one log line per request, are written as one batch. */
  frontDoorFlushMs: 500,
  /**
   * The share of the API and media requests the front door traces (its traceparent's sampled flag,
   * which the shop's parent-based sampler follows). All of them: the twin is for looking at one
   * request; a drill that measures throughput pays for the spans its requests make.
   */
  frontDoorSampledPercent: 100,
  /** Traces the status page lists, and at most an API caller may ask for. */
  latestTraces: 30,
  maxListedTraces: 500,
  /**
   * How often the status page reads the list again: each read parses the kept files (up to twice
   * `maxFileBytes`), so not at the page's own pace.
   */
  listRefreshMs: 10_000,
} as const;

export const brokerSettings = {
  /**
   * RabbitMQ nodes: quorum queues replicate every message to all of them and confirm a publish once
   * a majority has it on disk, so one node's crash loses nothing and leaves a majority to serve
   * (https://www.rabbitmq.com/docs/3.13/quorum-queues, "Data Safety", "Fault Tolerance").
   */
  nodes: 3,
  /** The user the nodes create on their first start, and its virtual host: what the amqp URL logs in as. */
  user: 'evermall',
  vhost: 'evermall',
  /**
   * A node blocks publishers above this much memory (vm_memory_high_watermark.absolute); the
   * default, 40 % of the machine's RAM per node, would let three nodes take most of a machine the
   * twin shares with everything else. A blocked publish times out in the relay and is retried.
   */
  memoryHighWatermarkMiB: 512,
  /** How often the twin looks at its nodes (a crashed node to start again, a restarted one rejoined). */
  watchIntervalMs: 1000,
  /** A node that crashed is started again after this long, as systemd's RestartSec would. */
  restartDelayMs: 1000,
  /**
   * Start-up of the cluster: a node's first boot takes about 10 s here, a restart about 4 s, and a
   * node that restarts after the whole cluster went down waits for its peers' tables.
   */
  startTimeoutMs: 120_000,
  /** How long SIGTERM may take before SIGKILL: a node hands over its queues' leadership as it stops. */
  stopBoundMs: 15_000,
  /** One rabbitmqctl call (an Erlang VM that connects to the node): about 0.6 s here. */
  cliTimeoutMs: 30_000,
  /**
   * The endpoint's check of each node: a TCP connect to its AMQP listener, which RabbitMQ opens
   * last in its boot and closes when it stops (a connect without the AMQP header is not logged).
   */
  endpointCheck: { intervalMs: 500, fall: 2, rise: 2 },
  endpointConnectTimeoutMs: 1000,
  /** A connection refused by a dead node is tried again on another node this many times ("retries", "option redispatch"). */
  endpointRetries: 3,
  /** AMQP connections live for hours and carry their own heartbeats; HAProxy's idle timeouts only bound a dead one. */
  endpointIdleTimeoutSeconds: 3600,
} as const;

export const supervisorSettings = {
  /** How often a twin started through npm checks that the npm process that launched it is still there. */
  launcherCheckMs: 1000,
} as const;

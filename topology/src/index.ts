/**
 * The Evermall architecture as data. `infra/` renders it onto AWS and `twin/`
 * renders it onto one machine; both have a parity test against these values.
 */

export const zones = ['a', 'b'] as const;
export type Zone = (typeof zones)[number];

/** The port the shop listens on inside an instance (AWS) and the first instance port (twin). */
export const appPort = 8000;

/** Postgres listens on a non-default port on AWS, so a scan for 5432 finds nothing. */
export const databasePort = 5433;

/**
 * ALB target health check. The ALB allows an interval of 5–300 s and thresholds 2–10
 * (ELB User Guide, "Health checks for your target groups"); 5 s × 2 is AWS's detection floor.
 * The check is shallow on purpose: a DB blip must not make the ASG replace the whole fleet.
 */
export const targetHealthCheck = {
  path: '/healthz',
  intervalSeconds: 5,
  timeoutSeconds: 2,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
} as const;

/**
 * How long the load balancer waits for an instance's answer before giving up on it (issue 15).
 * A process that hangs or a host starved of CPU keeps its connections open: only a timeout tells,
 * and HAProxy's and CloudFront's defaults (30 s) would hold a shopper for half a minute. Every
 * request must end well inside the health check's detection time (interval × unhealthy
 * threshold, 10 s), retry included. Rendered by the twin's load balancer (HAProxy `timeout
 * server`, `timeout queue`, `http-request set-timeout`); on AWS the ALB has no per-request
 * timeout, so CloudFront's origin response timeout for the ALB origin bounds writes the same way.
 */
export const requestTimeouts = {
  /**
   * A read (GET, HEAD, OPTIONS) unanswered this long is abandoned and sent to another instance.
   * A catalog read answers in milliseconds and a cart read in tens; three seconds is a sick instance.
   */
  readSeconds: 3,
  /**
   * A write: past the slowest healthy one, a checkout held across a database failover (the
   * promotion, 3–5 s here, plus the reconnect). It is retried elsewhere only when it carries an
   * Idempotency-Key, and the retry still ends inside the detection time.
   */
  writeSeconds: 8,
} as const;

/**
 * How long the load balancer keeps sending in-flight traffic to a target it is removing.
 * AWS's default is 300 s (ELB User Guide, "Target group attributes"); our requests are short.
 */
export const deregistrationDelaySeconds = 15;

/**
 * How long an instance keeps answering after SIGTERM while /healthz reports draining, so the
 * load balancer sees it go unhealthy before the listener closes: interval × unhealthy threshold.
 */
export const drainSeconds = targetDetectionSeconds();

/**
 * How long the target health check alone takes to call a dead target dead: interval × unhealthy
 * threshold (the ALB's floor). Drains last that long; gray-failure drills hold every request under it.
 */
export function targetDetectionSeconds(): number {
  return targetHealthCheck.intervalSeconds * targetHealthCheck.unhealthyThreshold;
}

/** Upper bound on a graceful stop; systemd's TimeoutStopSec and the twin's kill timer exceed it. */
export const shutdownBoundSeconds = drainSeconds + 20;

/**
 * The shop process's V8 heap on every instance, AWS and twin alike (both start it through
 * serviceCommand in @evermall/shop/release). Without limits V8 sizes its heap for the machine:
 * one instance held 292 MiB after 8 s of catalog reads and never gave it back, though a full GC
 * left only 21–35 MiB live. A 2 MiB young generation semi-space and a 96 MiB old space (about 3×
 * that live set) held the same load to a 149 MiB peak (Node.js CLI, "--max-semi-space-size",
 * "--max-old-space-size"; measured on the twin's bundle, 2026-11-30). Raise maxOldSpaceMiB before
 * anything in the process holds more: past it the process dies with "heap out of memory".
 */
export const shopRuntime = {
  maxSemiSpaceMiB: 2,
  maxOldSpaceMiB: 96,
} as const;

/** EC2 Auto Scaling group and its CPU target tracking policy (EC2 Auto Scaling User Guide). */
export const autoScaling = {
  minCapacity: 2,
  maxCapacity: 6,
  desiredCapacity: 2,
  cpuTargetPercent: 50,
  /** Default instance warmup: new instances' CPU does not count until it has passed. */
  instanceWarmupSeconds: 60,
  scaleInCooldownSeconds: 120,
  /** ELB health checks are ignored for this long after launch. */
  healthCheckGracePeriodSeconds: 60,
  /** Instance refresh keeps at least this share of capacity healthy. */
  minHealthyPercentage: 50,
} as const;

/**
 * The Auto Scaling group's warm pool (EC2 Auto Scaling User Guide, "Warm pools for Amazon EC2 Auto
 * Scaling"; the PutWarmPool API's names): instances launched, booted and checked once, then stopped
 * until a scale-out takes them, so a scale-out skips the launch and the boot. The pool holds
 * max(minSize, maxGroupPreparedCapacity − desired) instances, which with desired at its minimum is
 * two: enough for the first scale-out step of a load spike. A stopped instance pays for its EBS
 * volume only. Scaled-in instances go back to the pool instead of being terminated.
 */
export const warmPool = {
  minSize: 1,
  /** Instances in service plus in the pool, at most (PutWarmPool MaxGroupPreparedCapacity; without it, the group's max). */
  maxGroupPreparedCapacity: 4,
  /** Stopped: no instance-hour charge, only EBS (Running would bill the instance, Hibernated needs an encrypted root volume sized for RAM). */
  poolState: 'Stopped',
  /** InstanceReusePolicy.ReuseOnScaleIn. */
  reuseOnScaleIn: true,
} as const;

/**
 * pg_auto_failover timings. Its defaults give a write outage of about 50 s; these measured
 * 3–5 s on this machine with no acknowledged row lost (see docs/design.md#database-failover-timing).
 * Keep primaryDemoteTimeoutMs ≥ networkPartitionTimeoutSeconds so a partitioned primary
 * cannot take writes after its standby was promoted.
 */
export const databaseFailover = {
  healthCheckPeriodMs: 500,
  healthCheckTimeoutMs: 500,
  healthCheckMaxRetries: 1,
  healthCheckRetryDelayMs: 200,
  nodeConsideredUnhealthyTimeoutMs: 1500,
  primaryDemoteTimeoutMs: 2000,
  networkPartitionTimeoutSeconds: 2,
} as const;

/** RDS Multi-AZ: a synchronous standby in the other zone, plus an async read replica. */
export const database = {
  multiAz: true,
  readReplicas: 1,
  engineMajorVersion: 15,
  backupRetentionDays: 7,
} as const;

/**
 * The shop's PostgreSQL client, the same on AWS and the twin (issue 15). A server that crashes
 * refuses or resets, and postgres.js notices at once; one that hangs, or that a partition between
 * zones cuts off by dropping packets, keeps every connection open and silent, and a query on it
 * would wait until TCP gave up, many minutes later (hung-db-primary, zone-partition).
 */
export const databaseClient = {
  /**
   * Opening a connection, TLS and SCRAM included. Inside a region this takes milliseconds; a
   * host that does not answer in this long is skipped for the next one in a multi-host URL.
   */
  connectTimeoutSeconds: 2,
  /**
   * A connection with a query waiting that has heard nothing from its server this long asks
   * whether the server still answers: a fresh TCP connection and an SSLRequest, which the
   * postmaster answers itself, without a login, however busy its backends are.
   */
  quietSeconds: 1,
  /** How long that probe waits for the postmaster's one-byte answer before the server counts as gone. */
  probeTimeoutMs: 1000,
  /**
   * The server ends a session that sits inside a transaction this long without a statement
   * (PostgreSQL's idle_in_transaction_session_timeout, set by the client at connect, so the same
   * on RDS and the twin). A shop transaction runs its statements back to back; one idle this long
   * lost its client, to a crash or to a partition that also swallowed the goodbye, and it would
   * otherwise hold its row locks (stock, carts) until TCP keepalive gave up, hours later, stalling
   * every checkout on the same rows. The two transactions that wait on purpose (the outbox relay on
   * the broker, the backup export on its pages) lift it for themselves.
   */
  idleInTransactionSeconds: 3,
  /**
   * A catalog read the reader (the replica) has not answered in this long is also sent to the
   * writer, and the first answer wins: a replica that a partition cut off, or that hangs, costs a
   * shopper this much instead of the load balancer's read timeout. A healthy read takes milliseconds.
   */
  readerHedgeMs: 500,
} as const;

/**
 * Front door: Route 53 failover on AWS, the twin's front door locally. Route 53 allows a
 * 10 or 30 s interval and a failure threshold of 1–10 (Route 53 Developer Guide,
 * "How Amazon Route 53 determines whether a health check is healthy").
 */
export const frontDoorFailover = {
  deepCheckPath: '/readyz',
  intervalSeconds: 10,
  failureThreshold: 2,
  /** How often running instances re-export the static backup site. */
  backupExportIntervalSeconds: 300,
} as const;

/**
 * Per-request origin failover at the edge, for the reads a shopper's pages make (the catalog and
 * its images): a CloudFront origin group on AWS (primary the ALB, secondary the static backup
 * site's bucket), the front door's origin-group backend on the twin. A GET, HEAD or OPTIONS that
 * the ALB answers with one of `statusCodes`, or that it does not accept within
 * `connectionTimeoutSeconds` (× `connectionAttempts`) or answer within `responseTimeoutSeconds`, is
 * sent to the backup site at once, with no health check in between (CloudFront Developer Guide,
 * "Optimize high availability with CloudFront origin failover": by default CloudFront tries 3 × 10 s
 * before failing over; connection timeout 1–10 s, attempts 1–3, response timeout from 1 s).
 * A healthy catalog read answers in milliseconds, so one attempt and these timeouts bound what a
 * dead or hung ALB costs a page at max(connect, response) = 2 s, inside the 3 s goal (issue 15).
 * Writes never fail over (an origin group serves GET/HEAD/OPTIONS only): they keep the ALB alone.
 */
export const edgeOriginFailover = {
  statusCodes: [500, 502, 503, 504],
  connectionTimeoutSeconds: 1,
  connectionAttempts: 1,
  responseTimeoutSeconds: 2,
} as const;

/**
 * How long CloudFront and browsers may reuse catalog responses (RFC 9111 max-age) and serve a
 * stale copy while revalidating (RFC 5861). Short, so a price or stock change shows within
 * seconds; the ETag makes revalidation cheap (304).
 */
export const catalogCaching = {
  maxAgeSeconds: 30,
  staleWhileRevalidateSeconds: 60,
  /**
   * The catalog's public reads (GET, these paths and everything under them), which the edge
   * caches: CloudFront's catalog behaviours on AWS, the HAProxy cache of the twin's front door.
   * Both key on path and query only (no cookies, no headers but the normalised Accept-Encoding)
   * and keep an answer as long as the shop's Cache-Control allows, at most `maxAgeSeconds`.
   */
  edgePaths: ['/api/products', '/api/categories'],
  /**
   * How long an instance keeps a catalog answer in its own memory (the shop's near cache, in
   * front of the cache tier), and how many answers. A staff change empties every instance's copy
   * at once (announced through the cache tier); this bounds only what an announcement lost to a
   * broken connection could leave, far inside `maxAgeSeconds`.
   */
  instanceSeconds: 2,
  instanceEntries: 2000,
} as const;

/**
 * The cache tier: an ElastiCache (Valkey) replication group on AWS, a Redis primary, replica and
 * Sentinels on the twin. One primary in zone a and `replicas` in the other zone; the shop reaches
 * the primary through one endpoint that follows failover on both. The client timings are the
 * shop's on both sides: the cache only ever makes a request faster, so a cache that is down or
 * slow costs a request at most one bounded wait before it falls back to PostgreSQL (issue 14).
 */
export const cache = {
  /** Automatic failover needs at least one replica (ElastiCache User Guide, "Minimizing downtime with Multi-AZ"). */
  replicas: 1,
  /**
   * Everything in the cache can be rebuilt from PostgreSQL, so a full cache evicts the least
   * recently used key of any kind rather than refusing writes (ElastiCache's parameter group; the
   * twin's redis.conf).
   */
  maxMemoryPolicy: 'allkeys-lru',
  /**
   * A TLS connection to a node in the same region is set up in milliseconds; past this the node
   * is taken for gone (a primary killed mid-failover often does not refuse, it just never answers).
   */
  connectTimeoutMs: 500,
  /**
   * One cache command, from send to answer. A healthy round trip inside a region is well under a
   * millisecond; a command this late means a sick or overloaded node, and the request answers
   * from PostgreSQL instead of queueing behind it.
   */
  commandTimeoutMs: 100,
  /**
   * Fixed delay between reconnection attempts, not a growing backoff: fixed short retries resumed
   * writes 2.3 s after a primary was killed on this machine, where the clients that back off
   * took up to 4.1 s (issue 14).
   */
  retryDelayMs: 100,
  /**
   * Who notices a dead primary and promotes the replica: ElastiCache's own control plane on AWS
   * (no knob), three Sentinels on the twin. Sentinel's defaults (down after 30 s, failover timeout
   * 3 min; redis.io, "High availability with Redis Sentinel", sentinel.conf) would leave the shop
   * without a cache primary for half a minute; these timings promote within about a second and a
   * half here, close to ElastiCache's Multi-AZ failover.
   */
  failover: {
    /** A node that does not answer PING for this long is subjectively down (`down-after-milliseconds`). */
    downAfterMs: 1000,
    /**
     * Sentinel's `failover-timeout`: how long a failover may take before another Sentinel retries
     * it (after twice this), and the bound on replicas re-pointing to the new primary.
     */
    failoverTimeoutMs: 5000,
  },
  /**
   * The one primary endpoint on the twin (HAProxy in front of both nodes, a `role:master` check),
   * the counterpart of ElastiCache's primary endpoint, whose DNS name moves at a failover. A
   * check every 250 ms sends clients to a promoted replica within a quarter second of its
   * promotion; two failed checks take a node out (a live connection's error does at once).
   */
  endpointCheck: {
    intervalMs: 250,
    fall: 2,
    rise: 1,
  },
} as const;

/**
 * Sized copies of every uploaded product image, made by the resize function (a Lambda on an S3
 * ObjectCreated notification on AWS, the twin's function runner on a new file in its media
 * folder). The storefront picks one per screen with `srcset` and `sizes` (HTML Standard,
 * "Images"): a phone loads the 640 px WebP or AVIF, not the 4,000 px original.
 */
export const imageVariants = {
  /** Widths made from every original; a narrower original is never enlarged, so its wider variants are its own width. */
  widths: [320, 640, 1280],
  /** AVIF first: the smallest at the same quality; WebP for browsers without AVIF. */
  formats: ['avif', 'webp'],
  /** Variants live beside the originals under this prefix, as `variants/<original key>/<width>.<format>`. */
  prefix: 'variants/',
  /**
   * The uploads that trigger the resize function, as S3 notification suffix filters (S3 User
   * Guide, "Configuring event notifications using object key name filtering"): the raster images
   * the shop accepts. SVG (the seed's placeholders) scales by itself and is never resized.
   */
  originalSuffixes: ['.jpg', '.png', '.webp', '.gif', '.avif'],
  /**
   * The function refuses an original with more pixels than this before decoding it: the shop's
   * own upload limit (MEDIA_MAX_PIXELS), held again for anything else put in the bucket.
   */
  maxInputPixels: 40_000_000,
} as const;
export type ImageVariantFormat = (typeof imageVariants.formats)[number];

/** Where the variant of `originalKey` at `width` in `format` is stored, in the bucket and under /media/. */
export const imageVariantKey = (originalKey: string, width: number, format: ImageVariantFormat): string => `${imageVariants.prefix}${originalKey}/${width}.${format}`;

/**
 * How the resize function is invoked: the Lambda's settings on AWS, the function runner's on the
 * twin. Retries follow Lambda's asynchronous invocation (Lambda Developer Guide, "Error handling
 * and automatic retries in Lambda"): two more attempts, one minute and then two minutes after a
 * failure; an event that fails all three goes to the on-failure destination.
 */
export const resizeFunction = {
  /** Lambda's memory setting also sets its CPU share; 1,769 MB is one full vCPU (Lambda Developer Guide, "Configuring memory"). */
  memoryMb: 1769,
  /**
   * A 40 MP JPEG took 4.1 s for all six variants on one libvips thread on the twin's machine
   * (2026-11-30; decoding it is most of that): 60 s leaves room for a slower CPU and detailed photos.
   */
  timeoutSeconds: 60,
  /** At most this many originals resized at once (reserved concurrency), so a bulk upload cannot take every vCPU. */
  concurrency: 4,
  retryDelaysSeconds: [60, 120],
} as const;

/** The order event consumers' function timeout, from which their queues' visibility timeout is derived. */
const eventConsumerTimeoutSeconds = 30;

/**
 * How the order event consumers (the order notifier, the sales feed) run from their queues:
 * Lambda's SQS event source mappings, functions and queues on AWS; the twin's runner
 * (functions/src/runner/event-consumers.cli.ts) in the same shape over RabbitMQ (Lambda Developer
 * Guide, "Using Lambda with Amazon SQS").
 */
export const eventConsumers = {
  /**
   * Records per invocation. The queues are FIFO (shop/src/events/README.md), where 10 is the
   * largest batch Lambda takes (Lambda Developer Guide, "Lambda parameters for Amazon SQS event
   * source mappings", BatchSize).
   */
  batchSize: 10,
  /**
   * Lambda has no batching window for FIFO queues (same table, MaximumBatchingWindowInSeconds): a
   * batch is what one receive returns. RabbitMQ pushes deliveries one by one, so the twin gathers
   * for this long to make one batch of the deliveries that arrive together.
   */
  twinGatherMs: 20,
  /**
   * Function timeout: ten records, each one database transaction and, for the notifier, one mail
   * of at most the mailer's own timeout: seconds. The timeout bounds a hung call.
   */
  timeoutSeconds: eventConsumerTimeoutSeconds,
  /**
   * The queues' visibility timeout: six times the function timeout, as AWS recommends for a queue a
   * function reads (Lambda Developer Guide, "Using Lambda with Amazon SQS", "Configuring a
   * standard queue as an event source"), so a batch still retried inside one invocation is not
   * handed to another.
   */
  visibilityTimeoutSeconds: 6 * eventConsumerTimeoutSeconds,
  /**
   * Invocations at once per consumer: the event source mapping's maximum concurrency, whose least
   * is 2 (Lambda Developer Guide, "Configuring maximum concurrency for Amazon SQS event sources").
   * Each holds one database connection, so this bounds what the consumers add to the database's
   * connections; on a FIFO queue one message group (an order) is never in two batches at once anyway.
   */
  concurrency: 2,
  memoryMb: 256,
  /**
   * How long a record waits for a row lock before it fails and is retried later: another delivery
   * of the same event holding its inbox row (a redelivery while the first still sends its mail)
   * must not hold a whole batch to the function timeout.
   */
  lockTimeoutMs: 5_000,
} as const;

/** Ports the twin uses on 127.0.0.1. Each can be overridden by the twin's CLI. */
export const twinPorts = {
  frontDoor: 8080,
  loadBalancer: 8081,
  statusPage: 8090,
  haproxyStats: 8404,
  firstInstance: appPort,
  dbMonitor: 5500,
  dbNodes: { a: 5501, b: 5502, replica: 5503 },
  /**
   * The cache tier: the primary endpoint, the two nodes, the three Sentinels. Beside Redis's
   * defaults (6379, 26379), not on them: Debian's packaged services use those.
   */
  cacheEndpoint: 6380,
  cacheNodes: { a: 6381, b: 6382 },
  cacheSentinels: [26380, 26381, 26382],
} as const;

/** Every value the two renderers must agree on, flattened for parity tests. */
export function parityValues(): Record<string, number | string> {
  return {
    healthCheckPath: targetHealthCheck.path,
    healthCheckIntervalSeconds: targetHealthCheck.intervalSeconds,
    healthCheckTimeoutSeconds: targetHealthCheck.timeoutSeconds,
    healthyThreshold: targetHealthCheck.healthyThreshold,
    unhealthyThreshold: targetHealthCheck.unhealthyThreshold,
    deregistrationDelaySeconds,
    minCapacity: autoScaling.minCapacity,
    maxCapacity: autoScaling.maxCapacity,
    desiredCapacity: autoScaling.desiredCapacity,
    cpuTargetPercent: autoScaling.cpuTargetPercent,
    instanceWarmupSeconds: autoScaling.instanceWarmupSeconds,
    warmPoolMinSize: warmPool.minSize,
    warmPoolMaxGroupPreparedCapacity: warmPool.maxGroupPreparedCapacity,
    warmPoolState: warmPool.poolState,
    deepCheckPath: frontDoorFailover.deepCheckPath,
    deepCheckIntervalSeconds: frontDoorFailover.intervalSeconds,
    deepCheckFailureThreshold: frontDoorFailover.failureThreshold,
    cacheReplicas: cache.replicas,
  };
}

/** The architecture diagram, in Mermaid, for the READMEs. */
export function architectureDiagram(): string {
  const zoneBlocks = zones
    .map(
      (z) => `  subgraph AZ_${z}["Availability Zone ${z}"]
    app_${z}["EC2 instances: shop (ZONE=${z})"]
    db_${z}[("${z === 'a' ? 'RDS primary' : 'RDS synchronous standby'}")]
    efs_${z}["EFS mount target"]
  end`,
    )
    .join('\n');
  return `flowchart TB
  user(("Shopper")) --> dns{"Route 53 failover<br/>check ${frontDoorFailover.deepCheckPath} every ${frontDoorFailover.intervalSeconds}s × ${frontDoorFailover.failureThreshold}"}
  dns -- PRIMARY --> cf["CloudFront: SPA from S3, /api and /media to ALB"]
  dns -. SECONDARY .-> backup["S3 static backup site<br/>(ordering paused)"]
  cf --> alb["ALB (HTTPS)<br/>target check ${targetHealthCheck.path} ${targetHealthCheck.intervalSeconds}s × ${targetHealthCheck.unhealthyThreshold}"]
${zoneBlocks}
  alb --> app_a & app_b
  app_a & app_b --> db_a
  db_a == sync replication ==> db_b
  db_a -. async .-> replica[("Read replica")]
  app_a & app_b -. catalog reads .-> replica
  app_a --> efs_a
  app_b --> efs_b
  asg["Auto Scaling group ${autoScaling.minCapacity}–${autoScaling.maxCapacity}, CPU target ${autoScaling.cpuTargetPercent}%"] -.-> app_a & app_b`;
}

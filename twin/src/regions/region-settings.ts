/**
 * Settings of the twin's second region that exist only on the twin (topology/ holds what infra/
 * shares: the Route 53 health check is topology's frontDoorFailover, the fleet's size its
 * autoScaling). Region a is the primary region (ap-northeast-2 on AWS), region b the recovery
 * region (infra's recovery region, ap-northeast-3 by default).
 */
export const regionSettings = {
  /**
   * Region b's fleet while it is a standby: one instance, the pilot light the recovery stack keeps
   * warm. The promotion scales it to topology's minimum, as the runbook's "scale it up" step does.
   */
  standbyCapacity: 1,
  /**
   * At promotion every sequence of the shop's schema jumps this far ahead. A standby's sequences
   * are only as far as the last WAL it replayed: the primary may have handed out ids it never
   * shipped (an order acknowledged in region a and lost), and region b would hand the same ids
   * out again, so one order id (and the payment reference made from it) would name two orders.
   * A million ids is ten minutes of this machine's checkout ceiling (anchors: about 1,700 tps).
   */
  sequenceGapOnPromotion: 1_000_000,
  /**
   * The reconciliation reads region a's orders created from this long before the last commit
   * region b replayed: `created_at` is when an order's transaction began, and a checkout commits
   * within a second of it; the margin covers any transaction open across the cut.
   */
  reconciliationMarginSeconds: 60,
  /** pg_promote(wait => true) gives up after this long (PostgreSQL docs, "pg_promote"). */
  promoteTimeoutSeconds: 60,
  /**
   * libpq's connect_timeout in region b's primary_conninfo: a dead host of region a is skipped
   * after this long, so the WAL receiver reaches the host that is primary now. Between attempts
   * the standby waits wal_retrieve_retry_interval (5 s by default), which is what following a
   * new primary costs here (measured: 5 s after a failover).
   */
  replicationConnectTimeoutSeconds: 2,
  /** A copy of region a's primary (pg_basebackup), a start, a promotion: each bounded by this on a busy 2-core machine. */
  stepTimeoutMs: 120_000,
  /** A fast shutdown (SIGINT) past this is a SIGKILL. */
  stopBoundMs: 15_000,
  /** How often a wait on the database (streaming, readiness) looks again. */
  pollMs: 200,
} as const;

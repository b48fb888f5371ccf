import { databaseFailover } from '@evermall/topology';

/**
 * pg_auto_failover's timings rendered from topology. Its defaults (check every 5 s, unhealthy
 * after 20 s, demote timeout 30 s) cost about 50 s of writes; see docs/design.md#database-failover-timing
 * and the pg_auto_failover docs, "Configuring pg_auto_failover" (monitor GUCs
 * pgautofailover.*) and "pg_autoctl config set" (node timeout.* settings).
 */
export function monitorSettings(): Record<string, string> {
  if (databaseFailover.primaryDemoteTimeoutMs < databaseFailover.networkPartitionTimeoutSeconds * 1000) {
    // A partitioned primary keeps taking writes until network_partition_timeout; demoting it
    // later than the standby's promotion would let both accept writes.
    throw new Error('topology.databaseFailover: primaryDemoteTimeoutMs must be ≥ networkPartitionTimeoutSeconds');
  }
  return {
    'pgautofailover.health_check_period': `${databaseFailover.healthCheckPeriodMs}ms`,
    'pgautofailover.health_check_timeout': `${databaseFailover.healthCheckTimeoutMs}ms`,
    'pgautofailover.health_check_max_retries': String(databaseFailover.healthCheckMaxRetries),
    'pgautofailover.health_check_retry_delay': `${databaseFailover.healthCheckRetryDelayMs}ms`,
    'pgautofailover.node_considered_unhealthy_timeout': `${databaseFailover.nodeConsideredUnhealthyTimeoutMs}ms`,
    'pgautofailover.primary_demote_timeout': `${databaseFailover.primaryDemoteTimeoutMs}ms`,
  };
}

/** Set on every data node with `pg_autoctl config set <key> <value>`. */
export function nodeSettings(): Record<string, string> {
  return { 'timeout.network_partition_timeout': String(databaseFailover.networkPartitionTimeoutSeconds) };
}

import { cache } from '@evermall/topology';
import { cacheSettings } from '../config/twin-settings.js';

/**
 * What `ps` shows for each node and Sentinel: with the config file's path, which lies under the
 * state dir, so a check for processes left behind finds them by it as it finds Postgres and
 * HAProxy (redis.conf, "proc-title-template").
 */
const PROC_TITLE = 'proc-title-template "{title} {listen-addr} {server-mode} {config-file}"';

export interface CacheNodeConfigInput {
  port: number;
  /** The node's working dir (its config lives there too: Sentinel rewrites it with CONFIG REWRITE). */
  dir: string;
  password: string;
  /** The primary to replicate, or undefined for a node that starts as the primary. */
  replicaOf?: number | undefined;
}

/**
 * A cache node's redis.conf (Redis 7.0, the redis.conf shipped with it documents each directive).
 * Written at every start of the tier: a twin start is a cold cache, as a replication group without
 * backups is after a reboot; while the tier runs, Sentinel keeps the file's `replicaof` current.
 */
export function renderNodeConfig(input: CacheNodeConfigInput): string {
  return `# Rendered by twin/src/cache/cache-config.ts from topology/; Sentinel rewrites it (CONFIG REWRITE).
bind 127.0.0.1
port ${input.port}
daemonize no
logfile ""
${PROC_TITLE}
dir ${input.dir}
# AUTH as on ElastiCache; replicas authenticate to the primary with the same password.
requirepass ${input.password}
masterauth ${input.password}
# A cache: no snapshots, no append-only file. Every key can be rebuilt from PostgreSQL.
save ""
appendonly no
maxmemory ${cacheSettings.maxMemoryMiB}mb
maxmemory-policy ${cacheSettings.maxMemoryPolicy}
# A replica keeps answering reads while its link to the primary is down, and never takes writes.
replica-serve-stale-data yes
replica-read-only yes
# A full sync streams to the replica at once: there is one replica, no other to wait for (default 5 s).
repl-diskless-sync-delay 0
${input.replicaOf ? `replicaof 127.0.0.1 ${input.replicaOf}\n` : ''}`;
}

export interface SentinelConfigInput {
  port: number;
  dir: string;
  password: string;
  /** Where the primary is when the tier starts. */
  primaryPort: number;
}

/**
 * A Sentinel's sentinel.conf, with the failover timings from topology. Sentinel adds its id, the
 * replicas and the other Sentinels it discovers, and the current primary, to this file itself
 * (redis.io, "High availability with Redis Sentinel", "Configuring Sentinel").
 */
export function renderSentinelConfig(input: SentinelConfigInput): string {
  const name = cacheSettings.masterName;
  return `# Rendered by twin/src/cache/cache-config.ts from topology/; Sentinel rewrites it.
bind 127.0.0.1
port ${input.port}
daemonize no
logfile ""
${PROC_TITLE}
dir ${input.dir}
# Everything is 127.0.0.1: no hostnames to resolve, and each Sentinel is told apart by its port.
sentinel resolve-hostnames no
# The Sentinels ask each other for AUTH too (redis.io, Sentinel, "Configuring Sentinel instances with authentication").
requirepass ${input.password}
sentinel sentinel-pass ${input.password}
sentinel monitor ${name} 127.0.0.1 ${input.primaryPort} ${cacheSettings.quorum}
sentinel auth-pass ${name} ${input.password}
sentinel down-after-milliseconds ${name} ${cache.failover.downAfterMs}
sentinel failover-timeout ${name} ${cache.failover.failoverTimeoutMs}
# One replica re-points at a time (there is only one).
sentinel parallel-syncs ${name} 1
`;
}

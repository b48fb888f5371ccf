import { cache } from '@evermall/topology';
import { cacheSettings } from '../config/twin-settings.js';

export interface CacheEndpointConfigInput {
  listenPort: number;
  adminSocket: string;
  password: string;
  /** Every cache node, by name: whichever says `role:master` takes the traffic. */
  nodes: { name: string; port: number }[];
}

export const CACHE_BACKEND = 'cache_primary';

/**
 * The cache's one primary endpoint: a small HAProxy 2.6 of its own in TCP mode (the ALB stand-in
 * is an HTTP proxy with a lifecycle of its own; this one starts and stops with the cache tier).
 * Each node is checked with AUTH, PING and INFO replication, and only the one that answers
 * `role:master` takes connections: after a Sentinel failover the promoted replica passes its
 * next check and the old primary's connections are cut, so a client that reconnects lands on
 * the new primary, as ElastiCache's primary endpoint moves. Sections refer to the HAProxy 2.6
 * configuration manual; the check is its own example for Redis ("tcp-check send", §4.2).
 */
export function renderCacheEndpointConfig(input: CacheEndpointConfigInput): string {
  const check = cache.endpointCheck;
  return `# Rendered by twin/src/cache/cache-endpoint-config.ts from topology/. Do not edit.
global
  stats socket ${input.adminSocket} mode 600 level admin
  maxconn 4096

defaults
  mode tcp
  timeout connect ${cache.connectTimeoutMs}ms
  # Idle clients keep their connection, as ElastiCache's timeout 0 keeps it (§4.2 "timeout client").
  timeout client ${cacheSettings.endpointIdleTimeoutSeconds}s
  timeout server ${cacheSettings.endpointIdleTimeoutSeconds}s
  timeout check ${cacheSettings.probeTimeoutMs}ms

frontend cache
  bind 127.0.0.1:${input.listenPort}
  default_backend ${CACHE_BACKEND}

backend ${CACHE_BACKEND}
  option tcp-check
  tcp-check connect
  tcp-check send AUTH\\ ${input.password}\\r\\n
  tcp-check expect string +OK
  tcp-check send PING\\r\\n
  tcp-check expect string +PONG
  tcp-check send info\\ replication\\r\\n
  tcp-check expect string role:master
  tcp-check send QUIT\\r\\n
  tcp-check expect string +OK
  # Checked every ${check.intervalMs} ms, out after ${check.fall} failed, in after ${check.rise} passed (§5.2 inter/fall/rise).
  # A connection error on live traffic takes a node out at once (§5.2 "observe layer4", "on-error"),
  # and a node taken out loses its connections, so no client stays on a demoted primary (§5.2 "on-marked-down").
  default-server inter ${check.intervalMs}ms fall ${check.fall} rise ${check.rise} observe layer4 error-limit 1 on-error mark-down on-marked-down shutdown-sessions
${input.nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check`).join('\n')}
`;
}

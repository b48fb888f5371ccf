import { autoScaling, catalogCaching, deregistrationDelaySeconds, edgeOriginFailover, requestTimeouts, targetHealthCheck } from '@evermall/topology';
import { loadBalancerSettings, tracingSettings } from '../config/twin-settings.js';
import { orderingPaused } from '../front-door/ordering-paused.js';
import { FRONT_DOOR_SPAN_LOG_FORMAT } from '../tracing/front-door-spans.js';

export interface HaproxyConfigInput {
  /** The ALB listener. */
  listenPort: number;
  statsPort: number;
  /** Runtime API socket (admin level): slots are filled and drained through it. */
  adminSocket: string;
  /** UDP port the request log goes to (requests/s and p99). */
  trafficLogPort: number;
  /** The front door (CloudFront + Route 53 stand-in) in the same HAProxy process. */
  frontDoor?: FrontDoorListen;
}

export interface FrontDoorListen {
  port: number;
  bucketsPort: number;
  /** UDP port of the trace collector's front door receiver (tracing/front-door-spans.ts); unset, the front door logs nothing. */
  traceLogPort?: number | undefined;
}

export const BACKEND = 'app';
/** The front door's route to the ALB; its one server is put in maintenance in backup mode. */
export const ORIGIN_BACKEND = 'alb_origin';
export const ORIGIN_SERVER = 'alb';
/** CloudFront's origin group for the pages' reads: the ALB, and the backup site when it cannot answer. */
export const ORIGIN_GROUP_BACKEND = 'alb_or_backup_site';
export const SLOT_PREFIX = 'slot';
/** The front door's catalog cache (CloudFront's catalog behaviours). */
export const EDGE_CACHE = 'catalog_edge';

export function slotCount(): number {
  return autoScaling.maxCapacity * loadBalancerSettings.slotsPerMaxCapacity;
}

/**
 * HAProxy 2.6 as the ALB stand-in, rendered from topology. Section references are to the
 * HAProxy 2.6 configuration manual. No reload is ever needed: instances come and go through
 * the Runtime API (management guide §9.3: "set server ... addr", "set server ... state").
 */
export function renderHaproxyConfig(input: HaproxyConfigInput): string {
  const hc = targetHealthCheck;
  const lb = loadBalancerSettings;
  return `# Rendered by twin/src/load-balancer/haproxy-config.ts from topology/. Do not edit.
global
  stats socket ${input.adminSocket} mode 600 level admin
  # Request log to the twin's traffic meter (requests/s, p99): "log" §3.1, format raw.
  log 127.0.0.1:${input.trafficLogPort} len 1024 format raw local0
  maxconn 4096

defaults
  mode http
  log global
  # Ta = total active time in ms, ST = status (§8.2.4 custom log format).
  log-format "%Ta %ST %HM %b/%s"
  timeout connect ${lb.connectTimeoutMs}ms
  timeout client ${lb.clientTimeoutSeconds}s
  # The front door's hops wait for the whole of the load balancer's answer, retries included; the
  # load balancer's own backend waits less (below).
  timeout server ${lb.edgeTimeoutSeconds}s
  timeout check ${hc.timeoutSeconds}s
  # Retry on another server after a failed attempt (§4.2 "retries", "option redispatch").
  retries ${lb.retries}
  option redispatch 1
  # L7 retries replay a request after a server error, a dead connection or no answer within the
  # server timeout (§4.2 "retry-on": all-retryable-errors includes response-timeout); the backend
  # below limits them to requests that are safe to replay.
  retry-on all-retryable-errors

frontend alb
  bind 127.0.0.1:${input.listenPort}
  # Appends the client's address to X-Forwarded-For, as the ALB does in its default append mode (§4.2 "option forwardfor").
  option forwardfor
  default_backend ${BACKEND}

backend ${BACKEND}
  balance roundrobin
  # An instance that hangs keeps its connections open: only timeouts tell (topology's
  # requestTimeouts). A read waits ${requestTimeouts.readSeconds}s, a write ${requestTimeouts.writeSeconds}s (set per request below), and a request
  # waiting for a free server as long as a read ("timeout server", "timeout queue", §4.2).
  timeout server ${requestTimeouts.readSeconds}s
  timeout queue ${requestTimeouts.readSeconds}s
  # Replaying is safe for GET/HEAD/OPTIONS and for writes carrying an Idempotency-Key (the shop
  # returns the same order for the same key). Other writes are only retried when the
  # connection failed before anything was sent ("disable-l7-retry", §4.2 http-request).
  http-request disable-l7-retry if !METH_GET !METH_OPTIONS !{ req.hdr(idempotency-key) -m found }
  # Writes get the longer wait (§4.2 "http-request set-timeout").
  http-request set-timeout server ${requestTimeouts.writeSeconds}s if !METH_GET !METH_HEAD !METH_OPTIONS
  # Target health check: ${hc.path} every ${hc.intervalSeconds}s, ${hc.healthyThreshold} up / ${hc.unhealthyThreshold} down (§5.2 inter/rise/fall).
  option httpchk
  http-check send meth GET uri ${hc.path}
  http-check expect status 200
  # Connection errors on live traffic mark a server down at once, before the next check
  # (§5.2 "observe layer4", "error-limit", "on-error mark-down"). Requests abandoned after the
  # server timeout are not counted by HAProxy's passive checks: the twin's anomaly mitigation
  # reads them from the stats (wredis) and marks the server down (anomaly-mitigation.ts).
  default-server inter ${hc.intervalSeconds}s rise ${hc.healthyThreshold} fall ${hc.unhealthyThreshold} observe layer4 error-limit 1 on-error mark-down
  # Deregistration delay ${deregistrationDelaySeconds}s is applied by the controller: drain, wait, then stop.
  server-template ${SLOT_PREFIX} 1-${slotCount()} 127.0.0.1:1 check disabled

${input.frontDoor ? renderFrontDoor(input.listenPort, input.frontDoor) : ''}frontend stats
  bind 127.0.0.1:${input.statsPort}
  http-request use-service prometheus-exporter if { path /metrics }
  stats enable
  stats uri /
  stats refresh 5s
`;
}

/**
 * CloudFront's behaviours: /api and /media go to the ALB (a real second hop to the alb
 * frontend, as CloudFront → ALB), everything else to the buckets (the twin's Node server for
 * the SPA and backup-site folders). The reads a shopper's pages make (the catalog GETs and the
 * images) go to the origin group, which fails over to the backup site per request; writes and the
 * shopper's own reads (cart, orders) keep the ALB alone. Route 53 failover is the twin's deep check
 * putting the origin server in maintenance through the Runtime API: with no origin left ("nbsrv",
 * §7.3.2) every request goes to the buckets, which then serve the backup site.
 */
function renderFrontDoor(albPort: number, fd: FrontDoorListen): string {
  const paths = catalogCaching.edgePaths;
  const failover = edgeOriginFailover;
  return `# CloudFront's catalog cache policy (§6 "Cache"): the shop's Cache-Control decides what is kept and
# for how long, at most ${catalogCaching.maxAgeSeconds}s; Vary on Accept-Encoding is honoured ("process-vary").
cache ${EDGE_CACHE}
  total-max-size 64
  max-object-size 1048576
  max-age ${catalogCaching.maxAgeSeconds}
  process-vary on

frontend front_door
  bind 127.0.0.1:${fd.port}
  # Appends the viewer's address to X-Forwarded-For, as CloudFront does (§4.2 "option forwardfor").
  option forwardfor
  # The alb frontend logs each request once for the traffic meter; logging there from here too
  # would count it twice. This frontend's log goes to the trace collector instead, one line per
  # traced request, which it turns into the front door's span (tracing/front-door-spans.ts).
  no log
${
  fd.traceLogPort === undefined
    ? ''
    : `  log 127.0.0.1:${fd.traceLogPort} len 2048 format raw local0
  log-format "${FRONT_DOOR_SPAN_LOG_FORMAT}"
`
}  acl to_origin path_beg /api/ /media/
  acl to_origin path /api
  # Every request for the shop gets an id (x-request-id, the shop's reqId) and starts its trace
  # here, as a W3C traceparent (https://www.w3.org/TR/trace-context/): the trace id is the id's
  # digits, the parent the front door's own span; whatever trace context the viewer sent is
  # replaced. The sampled flag is set for ${tracingSettings.frontDoorSampledPercent} % of them ("rand", §7.3.2).
  http-request set-log-level silent unless to_origin
  http-request set-var(txn.request_id) uuid(4) if to_origin
  http-request set-var(txn.trace_id) var(txn.request_id),regsub(-,,g) if to_origin
  http-request set-var(txn.span_id) uuid(4),regsub(-,,g),bytes(0,16) if to_origin
  http-request set-var(txn.trace_flags) str(00) if to_origin
  http-request set-var(txn.trace_flags) str(01) if to_origin { rand(100) lt ${tracingSettings.frontDoorSampledPercent} }
  http-request set-header x-request-id %[var(txn.request_id)] if to_origin
  http-request set-header traceparent 00-%[var(txn.trace_id)]-%[var(txn.span_id)]-%[var(txn.trace_flags)] if to_origin
  http-request del-header tracestate if to_origin
  # The catalog's public reads, keyed like CloudFront's policy: the URI (path and query), never
  # cookies; HAProxy stores only cacheable 200s and never answers a request carrying Authorization.
  acl catalog_read method GET HEAD
  acl catalog_path path ${paths.join(' ')}
  acl catalog_path path_beg ${paths.map((p) => `${p}/`).join(' ')}
  # What CloudFront's origin group serves: the catalog reads and the images, GET/HEAD/OPTIONS only.
  acl page_read method GET HEAD OPTIONS
  acl page_path path_beg /media/
  acl page_path path ${paths.join(' ')}
  acl page_path path_beg ${paths.map((p) => `${p}/`).join(' ')}
  http-request set-var(txn.catalog) bool(true) if catalog_read catalog_path { nbsrv(${ORIGIN_BACKEND}) gt 0 }
  http-request cache-use ${EDGE_CACHE} if { var(txn.catalog) -m bool }
  http-response cache-store ${EDGE_CACHE} if { var(txn.catalog) -m bool }
  # As CloudFront's X-Cache: whether the edge answered from its cache.
  http-after-response set-header x-cache "Hit from front door" if { res.cache_hit }
  http-after-response set-header x-cache "Miss from front door" if { var(txn.catalog) -m bool } !{ res.cache_hit }
  use_backend ${ORIGIN_GROUP_BACKEND} if page_read page_path { nbsrv(${ORIGIN_BACKEND}) gt 0 }
  use_backend ${ORIGIN_BACKEND} if to_origin { nbsrv(${ORIGIN_BACKEND}) gt 0 }
  default_backend buckets

# CloudFront's origin group, per request and with no health check in between: a read the ALB
# refuses, answers with ${failover.statusCodes.join('/')} or leaves unanswered for ${failover.responseTimeoutSeconds}s is sent to the
# backup site's bucket at once (topology's edgeOriginFailover). HAProxy does this itself rather
# than the Node front door, so the failover is where CloudFront's is, in the edge's own request
# path: "balance first" sends every request to the first server (the ALB), and the one retry
# allowed ("retries", "retry-on" conn-failure/empty-response/response-timeout/status, §4.2) is
# redispatched ("option redispatch -1": on the last retry) to the next server, which the balancer
# picks while avoiding the one that failed. The ALB server has no health check of its own, so it
# is never skipped for earlier failures, as CloudFront tries the primary for every request.
backend ${ORIGIN_GROUP_BACKEND}
  no log
  balance first
  timeout connect ${failover.connectionTimeoutSeconds}s
  timeout server ${failover.responseTimeoutSeconds}s
  retries ${failover.connectionAttempts}
  option redispatch -1
  retry-on conn-failure empty-response response-timeout ${failover.statusCodes.join(' ')}
  http-response set-header x-front-door primary unless { res.hdr(x-front-door) -m found }
  # maxconn above the process's: "first" fills a server up to its maxconn before the next, and the
  # backup site must take only what the ALB failed (§4.2 "balance first").
  server ${ORIGIN_SERVER} 127.0.0.1:${albPort} maxconn 100000
  server backup_site 127.0.0.1:${fd.bucketsPort} maxconn 100000

backend ${ORIGIN_BACKEND}
  no log
  # Every request here waits the edge's timeout (defaults): the load balancer behind it gives an
  # instance topology's read or write timeout and then retries a safe or keyed request elsewhere.
  # A 5xx no instance sent (no x-served-by: the ALB found no instance to answer) means the shop is
  # down; the shopper gets the same "ordering is paused" answer as from the backup site, not the
  # load balancer's HTML (§4.2 "http-response return").
  http-response return status ${orderingPaused.status} content-type "${orderingPaused.contentType}" string '${orderingPaused.body}' hdr retry-after ${orderingPaused.retryAfterSeconds} if { status ge 500 } !{ res.hdr(x-served-by) -m found }
  http-response set-header x-front-door primary
  server ${ORIGIN_SERVER} 127.0.0.1:${albPort}

backend buckets
  no log
  server buckets 127.0.0.1:${fd.bucketsPort}

`;
}

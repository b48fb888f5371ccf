import { createSocket, type Socket } from 'node:dgram';
import type { SpanRecord } from './span-record.js';

/** The front door's spans' `service.name`. */
export const FRONT_DOOR_SERVICE = 'front-door';

/**
 * The line the front door's HAProxy frontend logs for each request it traced (HAProxy 2.6
 * configuration manual, §8.2.4 "Custom log format"; rendered by haproxy-config.ts): the ids it
 * gave the request, then the request's timers: `%Ts`/`%ms` the accept date in seconds and
 * milliseconds, `%Th` the handshake and `%Ti` the idle time before the request (their sum is when
 * the request began, §8.4 "Timing events"), `%Ta` its total active time, then status, method, the
 * backend that answered and the path.
 */
export const FRONT_DOOR_SPAN_LOG_FORMAT = '%[var(txn.request_id)] %[var(txn.trace_id)] %[var(txn.span_id)] %[var(txn.trace_flags)] %Ts %ms %Th %Ti %Ta %ST %HM %b %{+Q}HPO';

/** The front door's span for one log line, or undefined for a line of a request it did not trace or did not sample. */
export function frontDoorSpanOf(line: string): SpanRecord | undefined {
  const match = /^(\S+) ([0-9a-f]{32}) ([0-9a-f]{16}) (\d\d) (\d+) (\d+) (-?\d+) (-?\d+) (-?\d+) (-?\d+) (\S+) (\S+) "([^"]*)"\s*$/.exec(line);
  if (!match) return undefined;
  const [, requestId = '', traceId = '', spanId = '', flags = '', seconds, millis, handshake, idle, active, status, method = '', backend = '', urlPath = ''] = match;
  // W3C trace flags: bit 0 is "sampled" (https://www.w3.org/TR/trace-context/#trace-flags).
  if ((parseInt(flags, 16) & 1) === 0) return undefined;
  const code = Number(status);
  return {
    traceId,
    spanId,
    name: `${method} ${urlPath}`,
    kind: 'server',
    service: FRONT_DOOR_SERVICE,
    startMs: Number(seconds) * 1000 + Number(millis) + Math.max(0, Number(handshake)) + Math.max(0, Number(idle)),
    durationMs: Math.max(0, Number(active)),
    // -1: the request ended without a status (the client left, a timeout before any answer).
    status: code >= 500 || code < 0 ? 'error' : 'unset',
    attributes: {
      'http.request.method': method,
      'url.path': urlPath,
      'http.response.status_code': code,
      'evermall.request_id': requestId,
      // Which origin answered: the ALB (alb_origin), the origin group (alb_or_backup_site) or the buckets.
      'evermall.front_door.origin': backend,
    },
  };
}

/** Receives the front door's log lines (UDP, HAProxy's raw format) and hands their spans on. */
export class FrontDoorSpans {
  private socket: Socket | undefined;

  constructor(private readonly options: { port: number; onSpan: (span: SpanRecord) => void }) {}

  async start(): Promise<void> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (message) => {
      const span = frontDoorSpanOf(message.toString('utf8'));
      if (span) this.options.onSpan(span);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

import { tracingSettings } from '../config/twin-settings.js';
import type { TraceStore } from '../tracing/trace-store.js';

export interface TracesAnswer {
  status: number;
  body: unknown;
}

/**
 * The status server's trace routes: `GET /api/traces?limit=N` (the latest traces, newest first,
 * each summed up) and `GET /api/traces/:traceId` (one trace's spans in start order). Undefined
 * for any other request.
 */
export async function tracesAnswer(store: TraceStore, method: string | undefined, url: URL): Promise<TracesAnswer | undefined> {
  if (method !== 'GET') return undefined;
  if (url.pathname === '/api/traces') {
    const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : tracingSettings.latestTraces;
    if (!Number.isInteger(limit) || limit < 1 || limit > tracingSettings.maxListedTraces) {
      return { status: 400, body: { ok: false, message: `limit must be a whole number from 1 to ${tracingSettings.maxListedTraces}` } };
    }
    return { status: 200, body: { dir: store.dir, traces: await store.latest(limit) } };
  }
  const one = /^\/api\/traces\/([^/]+)$/.exec(url.pathname);
  if (!one?.[1]) return undefined;
  const traceId = one[1].toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(traceId)) return { status: 400, body: { ok: false, message: 'a trace id is 32 hexadecimal digits' } };
  const spans = await store.trace(traceId);
  return spans.length > 0
    ? { status: 200, body: { traceId, spans } }
    : { status: 404, body: { ok: false, message: `no trace ${traceId} is kept (the collector keeps the latest)` } };
}

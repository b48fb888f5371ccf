import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { catalogAnswerFile, catalogAnswers } from '@evermall/shop/release';
import sirv from 'sirv';
import type { Logger } from 'pino';
import type { EventLog } from '../events.js';
import { orderingPaused } from './ordering-paused.js';

export type FrontDoorMode = 'primary' | 'backup';

export interface FrontDoorOptions {
  /** The public front door port (an HAProxy frontend: see renderFrontDoor in haproxy-config.ts). */
  port: number;
  /** Where this process serves the buckets (SPA, backup site) to that frontend. */
  bucketsPort: number;
  /** The ALB stand-in, for the deep check. */
  loadBalancerUrl: string;
  /** S3 SPA bucket stand-in, served with index.html for unknown paths (CloudFront 403/404 → /index.html). */
  spaDir: string;
  /** S3 static backup site stand-in. */
  backupDir: string;
  deepCheckPath: string;
  intervalSeconds: number;
  failureThreshold: number;
  checkTimeoutMs: number;
  /** Takes the ALB origin out of (backup) or back into (primary) the front door's rotation. */
  switchOrigin: (inRotation: boolean) => Promise<void>;
  events: EventLog;
  logger: Logger;
}

/**
 * Route 53 failover + CloudFront. HAProxy's front_door frontend sends /api and /media to the
 * ALB and everything else here (the buckets); it also gives each of those requests its id
 * (x-request-id) and starts its trace (traceparent), and logs its own span to the trace collector
 * (renderFrontDoor in haproxy-config.ts, tracing/front-door-spans.ts). Two failovers, as on AWS:
 * - Per request (CloudFront's origin group, rendered in haproxy-config.ts): a catalog GET or an
 *   image the ALB cannot answer lands here at once and is answered from the backup site (its
 *   catalog JSON answers and images); a write the ALB cannot take gets ORDERING_PAUSED.
 * - Route 53: a deep check (/readyz through the load balancer) runs every interval; after
 *   `failureThreshold` failures in a row the ALB origin leaves the rotation and every request
 *   lands here, the pages too served from the static backup site; after as many successes in a
 *   row it comes back.
 */
export class FrontDoor {
  mode: FrontDoorMode = 'primary';
  lastCheck: { at: string; ok: boolean; detail: string } | undefined;
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private successes = 0;
  private readonly spa;
  private readonly backup;

  constructor(private readonly options: FrontDoorOptions) {
    this.spa = sirv(options.spaDir, { dev: true, single: true, etag: true });
    this.backup = sirv(options.backupDir, { dev: true, etag: true, extensions: ['html'] });
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.bucketsPort, '127.0.0.1', () => resolve());
    });
    const loop = async () => {
      await this.check().catch((err: unknown) => this.options.logger.error({ err }, 'front door check failed'));
      if (this.server) this.timer = setTimeout(() => void loop(), this.options.intervalSeconds * 1000);
    };
    this.timer = setTimeout(() => void loop(), this.options.intervalSeconds * 1000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** One deep health check, as a Route 53 checker does it. */
  async check(): Promise<boolean> {
    const { deepCheckPath, checkTimeoutMs, failureThreshold } = this.options;
    let ok = false;
    let detail: string;
    try {
      const res = await fetch(new URL(deepCheckPath, this.options.loadBalancerUrl), { signal: AbortSignal.timeout(checkTimeoutMs) });
      ok = res.status === 200;
      detail = `HTTP ${res.status}`;
      await res.body?.cancel();
    } catch (err) {
      detail = (err as Error).name === 'TimeoutError' ? `no answer within ${checkTimeoutMs} ms` : (err as Error).message;
    }
    this.lastCheck = { at: new Date().toISOString(), ok, detail };
    if (ok) {
      this.failures = 0;
      this.successes += 1;
      if (this.mode === 'backup' && this.successes >= failureThreshold) {
        await this.options.switchOrigin(true);
        this.mode = 'primary';
        this.options.events.emit('front-door-primary', `${deepCheckPath} through the load balancer passed ${this.successes} times in a row: serving the shop again`, {
          mode: 'primary',
        });
      }
    } else {
      this.successes = 0;
      this.failures += 1;
      if (this.mode === 'primary' && this.failures >= failureThreshold) {
        this.mode = 'backup';
        await this.options.switchOrigin(false);
        this.options.events.emit(
          'front-door-backup',
          `${deepCheckPath} through the load balancer failed ${this.failures} times in a row (${detail}): serving the static backup site`,
          { mode: 'backup' },
        );
      }
    }
    return ok;
  }

  /** The buckets: requests HAProxy did not send to the ALB, or that the ALB could not answer. */
  private handle(req: IncomingMessage, res: ServerResponse): void {
    const pathname = new URL(req.url ?? '/', 'http://front-door').pathname;
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      const file = read ? catalogAnswerFile(pathname) : undefined;
      if (file) void this.catalogAnswer(file, req, res);
      else pausedAnswer(res);
      return;
    }
    // Images fail over per request as the catalog does: the export copied the ones it shows.
    const fromBackup = this.mode === 'backup' || pathname.startsWith('/media/');
    res.setHeader('x-front-door', fromBackup ? 'backup' : 'primary');
    if (fromBackup) this.backup(req, res, () => notFound(res));
    else this.spa(req, res, () => notFound(res));
  }

  /**
   * A catalog GET from the backup site's copy, as the backup bucket answers the origin group on
   * AWS (catalog-answers.ts in the shop): never kept by the edge cache, which would go on serving
   * the copy after the shop is back.
   */
  private async catalogAnswer(file: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readFile(path.join(this.options.backupDir, file));
    } catch (err) {
      if (!MISSING.has((err as NodeJS.ErrnoException).code ?? '')) this.options.logger.error({ err, file }, 'backup site catalog answer unreadable');
      res.writeHead(404, { 'content-type': orderingPaused.contentType, 'x-front-door': 'backup', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Not in the backup copy of the catalog.' } }));
      return;
    }
    res.writeHead(200, { 'content-type': catalogAnswers.contentType, 'content-length': body.length, 'x-front-door': 'backup', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

/** A path the copy has no file for: a product it does not hold, or a name that is a folder there. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** The API while the shop is down: the backup site has no answer for it. */
function pausedAnswer(res: ServerResponse): void {
  res.writeHead(orderingPaused.status, {
    'content-type': orderingPaused.contentType,
    'retry-after': String(orderingPaused.retryAfterSeconds),
    'x-front-door': 'backup',
  });
  res.end(orderingPaused.body);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}

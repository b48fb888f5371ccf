import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import sirv from 'sirv';
import type { Logger } from 'pino';
import type { EventLog } from '../events.js';

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
 * ALB and everything else here (the buckets). A deep check (/readyz through the load
 * balancer) runs every interval; after `failureThreshold` failures in a row the ALB origin
 * leaves the rotation and every request lands here, served from the static backup site;
 * after as many successes in a row it comes back.
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

  /** The buckets: requests HAProxy did not send to the ALB. */
  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-front-door', this.mode);
    if ((req.url ?? '/').startsWith('/api')) {
      // Only reached while the origin is out of rotation: the static site has no API.
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(this.options.intervalSeconds) });
      res.end(JSON.stringify({ error: { code: 'ORDERING_PAUSED', message: 'The shop is in read-only backup mode; ordering is paused. Try again shortly.' } }));
      return;
    }
    if (this.mode === 'backup') this.backup(req, res, () => notFound(res));
    else this.spa(req, res, () => notFound(res));
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}

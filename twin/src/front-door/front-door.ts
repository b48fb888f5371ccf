import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import sirv from 'sirv';
import type { Logger } from 'pino';
import type { EventLog } from '../events.js';

export type FrontDoorMode = 'primary' | 'backup';

export interface FrontDoorOptions {
  port: number;
  /** The ALB stand-in. */
  loadBalancerUrl: string;
  /** S3 SPA bucket stand-in, served with index.html for unknown paths (CloudFront 403/404 → /index.html). */
  spaDir: string;
  /** S3 static backup site stand-in. */
  backupDir: string;
  deepCheckPath: string;
  intervalSeconds: number;
  failureThreshold: number;
  checkTimeoutMs: number;
  events: EventLog;
  logger: Logger;
}

const API_PREFIXES = ['/api/', '/media/'];

/**
 * Route 53 failover + CloudFront on one port. Primary: /api and /media go to the load
 * balancer, everything else is the SPA. A deep check (/readyz through the load balancer)
 * runs every interval; after `failureThreshold` failures in a row every request is served
 * from the static backup site, and after as many successes in a row it switches back.
 */
export class FrontDoor {
  mode: FrontDoorMode = 'primary';
  lastCheck: { at: string; ok: boolean; detail: string } | undefined;
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private successes = 0;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly spa;
  private readonly backup;
  private readonly upstream: URL;

  constructor(private readonly options: FrontDoorOptions) {
    this.upstream = new URL(options.loadBalancerUrl);
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
      server.listen(this.options.port, '127.0.0.1', () => resolve());
    });
    const loop = async () => {
      await this.check();
      if (this.server) this.timer = setTimeout(() => void loop(), this.options.intervalSeconds * 1000);
    };
    this.timer = setTimeout(() => void loop(), this.options.intervalSeconds * 1000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const server = this.server;
    this.server = undefined;
    this.agent.destroy();
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
      const res = await fetch(new URL(deepCheckPath, this.upstream), { signal: AbortSignal.timeout(checkTimeoutMs) });
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
        this.mode = 'primary';
        this.options.events.emit('front-door-primary', `${deepCheckPath} through the load balancer passed ${this.successes} times in a row: serving the shop again`, { mode: 'primary' });
      }
    } else {
      this.successes = 0;
      this.failures += 1;
      if (this.mode === 'primary' && this.failures >= failureThreshold) {
        this.mode = 'backup';
        this.options.events.emit('front-door-backup', `${deepCheckPath} through the load balancer failed ${this.failures} times in a row (${detail}): serving the static backup site`, { mode: 'backup' });
      }
    }
    return ok;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-front-door', this.mode);
    const url = req.url ?? '/';
    const toOrigin = API_PREFIXES.some((p) => url.startsWith(p)) || url === '/api';
    if (this.mode === 'backup') {
      if (url.startsWith('/api')) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(this.options.intervalSeconds) });
        res.end(JSON.stringify({ error: { code: 'ORDERING_PAUSED', message: 'The shop is in read-only backup mode; ordering is paused. Try again shortly.' } }));
        return;
      }
      this.backup(req, res, () => notFound(res));
      return;
    }
    if (toOrigin) this.proxy(req, res);
    else this.spa(req, res, () => notFound(res));
  }

  private proxy(req: IncomingMessage, res: ServerResponse): void {
    const upstream = httpRequest(
      { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' }, agent: this.agent },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      this.options.logger.warn({ err, url: req.url }, 'load balancer did not answer');
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'BAD_GATEWAY', message: 'The load balancer did not answer.' } }));
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}

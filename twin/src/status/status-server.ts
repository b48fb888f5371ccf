import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CommandError, type TwinCommands } from '../commands.js';
import type { Mailbox } from './mailbox.js';
import { mailboxAnswer } from './mailbox-api.js';
import { statusPageHtml } from './status-page.js';
import type { TwinStatus } from './status-types.js';
import type { TraceStore } from '../tracing/trace-store.js';
import { tracesAnswer } from './traces-api.js';

/** Largest command body we accept; commands take a handful of small arguments. */
const MAX_BODY_BYTES = 16 * 1024;

/** The status page and the control API (twin/README.md, "Control API") on one local port. */
export class StatusServer {
  private server: Server | undefined;

  constructor(private readonly options: { port: number; status: () => Promise<TwinStatus>; commands: TwinCommands; mailbox: Mailbox; traces: TraceStore }) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => send(res, 500, { ok: false, message: (err as Error).message }));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(statusPageHtml());
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/status') {
      send(res, 200, await this.options.status());
      return;
    }
    const command = /^\/api\/commands\/([a-z-]+)$/.exec(url.pathname);
    if (req.method === 'POST' && command?.[1]) {
      let args: Record<string, unknown>;
      try {
        const body = await readBody(req);
        args = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        send(res, 400, { ok: false, message: 'the body must be a JSON object of arguments' });
        return;
      }
      try {
        send(res, 200, await this.options.commands.run(command[1], args ?? {}));
      } catch (err) {
        if (err instanceof CommandError) send(res, 400, { ok: false, message: err.message });
        else throw err;
      }
      return;
    }
    const mail = await mailboxAnswer(this.options.mailbox, req.method, url);
    if (mail) {
      send(res, mail.status, mail.body);
      return;
    }
    const traces = await tracesAnswer(this.options.traces, req.method, url);
    if (traces) {
      send(res, traces.status, traces.body);
      return;
    }
    send(res, 404, { ok: false, message: 'not found: GET /, GET /api/status, GET /api/mail, GET /api/mail/:id, GET /api/traces, GET /api/traces/:id, POST /api/commands/:name' });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { IdempotencyStore, type StoredResponse } from './idempotency-store.js';
import { Journal } from './journal.js';
import { failUrl, parseCheckout, renderPayPage, renderProblemPage, successUrl, type CheckoutRequest } from './pay-page.js';
import { PaymentLedger, TossStandinError, type ConfirmFault, type LedgerEntry, type StandinPayment } from './payment-ledger.js';
import { renderSdkShim } from './sdk-shim.js';
import { standinPayment, tossPayment } from './toss-payment.js';

export { TOSS_STANDIN_CARDS, TossStandinError, type StandinCancel, type StandinPayment, type StandinPaymentStatus, type ConfirmFault } from './payment-ledger.js';

export interface TossStandinOptions {
  /** 0 (the default) lets the kernel pick a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `test_sk_standin_` + random, new each start. */
  secretKey?: string;
  /** Default `test_ck_standin_` + random, new each start. */
  clientKey?: string;
  /** Where payments are journalled and replayed from at start; none: they live in memory only. */
  journalPath?: string;
  /** How long a timed-out confirm's response is held back. Default 30 s, past any sane client timeout. */
  slowResponseMs?: number;
}

export interface StandinFaults {
  confirm?: ConfirmFault;
  count: number;
}

export interface TossStandin {
  /** `http://127.0.0.1:PORT`: the API base (Toss's https://api.tosspayments.com). */
  readonly url: string;
  readonly secretKey: string;
  readonly clientKey: string;
  /** `url + '/v2/standard'`: the SDK shim (Toss's https://js.tosspayments.com/v2/standard). */
  readonly sdkUrl: string;
  payments(): StandinPayment[];
  /** The next `count` confirms of IN_PROGRESS payments, whatever the card, fail this way. */
  setFaults(faults: StandinFaults): void;
  /** What POST /pay does, without HTTP: a new IN_PROGRESS payment. Throws a TossStandinError carrying Toss's code. */
  authorize(order: { orderId: string; amount: number; orderName: string; card: string }): Promise<{ paymentKey: string }>;
  /** Ends held responses and every connection, then stops listening. */
  close(): Promise<void>;
}

const DEFAULT_SLOW_RESPONSE_MS = 30_000;
/** Every request the stand-in takes is a few hundred bytes of JSON or form; anything near this is a mistake. */
const BODY_LIMIT_BYTES = 64 * 1024;

type JournalLine = { kind: 'payment'; payment: LedgerEntry } | { kind: 'idempotent-response'; key: string; response: StoredResponse };

/**
 * A local stand-in of Toss Payments: the v1 payments API (confirm, look up, cancel) with Toss's
 * shapes and error codes, the customer's payment window (/pay), the v2 SDK it is opened with
 * (/v2/standard), card numbers and injected faults that fail the way a real gateway can, and
 * loopback-only test controls under /__standin. See README.md.
 */
export async function startTossStandin(options: TossStandinOptions = {}): Promise<TossStandin> {
  const standin = new TossStandinServer(options);
  await standin.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return standin;
}

class TossStandinServer implements TossStandin {
  url = '';
  sdkUrl = '';
  readonly secretKey: string;
  readonly clientKey: string;
  private readonly authorization: string;
  private readonly slowResponseMs: number;
  private readonly ledger: PaymentLedger;
  private readonly idempotency: IdempotencyStore;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Confirms processed under a timeout fault, whose answers wait. */
  private readonly held = new Map<ServerResponse, NodeJS.Timeout>();
  private faults: StandinFaults = { count: 0 };

  constructor(options: TossStandinOptions) {
    this.secretKey = options.secretKey ?? `test_sk_standin_${randomBytes(12).toString('hex')}`;
    this.clientKey = options.clientKey ?? `test_ck_standin_${randomBytes(12).toString('hex')}`;
    // Toss's Basic auth: the secret key as user name, an empty password (docs.tosspayments.com/reference/using-api/authorization).
    this.authorization = `Basic ${Buffer.from(`${this.secretKey}:`).toString('base64')}`;
    this.slowResponseMs = options.slowResponseMs ?? DEFAULT_SLOW_RESPONSE_MS;
    const journal = options.journalPath === undefined ? undefined : new Journal<JournalLine>(options.journalPath);
    this.ledger = new PaymentLedger((payment) => journal?.append({ kind: 'payment', payment }));
    this.idempotency = new IdempotencyStore((key, response) => journal?.append({ kind: 'idempotent-response', key, response }));
    for (const line of journal?.replay() ?? []) {
      if (line.kind === 'payment') this.ledger.restore(line.payment);
      else this.idempotency.restore(line.key, line.response);
    }
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => this.fail(res, err));
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    this.sdkUrl = `${this.url}/v2/standard`;
  }

  payments(): StandinPayment[] {
    return this.ledger.all().map(standinPayment);
  }

  setFaults(faults: StandinFaults): void {
    if (!Number.isSafeInteger(faults.count) || faults.count < 0) throw new Error(`setFaults: count must be a whole number ≥ 0, not ${faults.count}`);
    if (faults.confirm !== undefined && faults.confirm !== 'timeout' && faults.confirm !== 'error') {
      throw new Error(`setFaults: confirm must be 'timeout' or 'error', not ${String(faults.confirm)}`);
    }
    this.faults = { ...faults };
  }

  async authorize(order: { orderId: string; amount: number; orderName: string; card: string }): Promise<{ paymentKey: string }> {
    return { paymentKey: this.ledger.authorize(order).paymentKey };
  }

  async close(): Promise<void> {
    for (const [res, timer] of this.held) {
      clearTimeout(timer);
      res.destroy();
    }
    this.held.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const route = `${req.method} ${url.pathname}`;
    if (url.pathname.startsWith('/v1/')) return this.routeApi(req, res, url.pathname);
    if (route === 'GET /v2/standard') return send(res, 200, renderSdkShim(this.url), { 'content-type': 'text/javascript; charset=utf-8', 'access-control-allow-origin': '*' });
    if (route === 'GET /pay') return this.payPage(res, Object.fromEntries(url.searchParams));
    if (route === 'POST /pay') return this.pay(req, res);
    if (route === 'GET /__standin/payments') return sendJson(res, 200, this.payments());
    if (route === 'POST /__standin/faults') {
      const body = await readJson(req);
      try {
        this.setFaults(body as StandinFaults);
      } catch (err) {
        throw new TossStandinError(400, 'INVALID_REQUEST', (err as Error).message);
      }
      return sendJson(res, 200, this.faults);
    }
    throw new TossStandinError(404, 'NOT_FOUND', route);
  }

  private async routeApi(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.headers.authorization !== this.authorization) throw new TossStandinError(401, 'UNAUTHORIZED_KEY');
    const parts = pathname.split('/').slice(3).map(decodeSegment); // ['', 'v1', 'payments', ...]
    const idempotencyKey = headerValue(req, 'idempotency-key');
    if (!pathname.startsWith('/v1/payments/')) throw new TossStandinError(404, 'NOT_FOUND', pathname);
    if (req.method === 'POST' && parts.length === 1 && parts[0] === 'confirm') {
      let hold = false;
      const reply = await this.idempotency.run(idempotencyKey, () =>
        answer(async () => {
          const result = this.confirm(await readJson(req));
          hold = result.hold;
          return result.response;
        }),
      );
      return hold && !reply.replayed ? this.holdBack(res, reply) : sendJson(res, reply.status, reply.body);
    }
    if (req.method === 'POST' && parts.length === 2 && parts[1] === 'cancel') {
      const reply = await this.idempotency.run(idempotencyKey, () =>
        answer(async () => ({ status: 200, body: tossPayment(this.ledger.cancel(parts[0] as string, asObject(await readJson(req)))) })),
      );
      return sendJson(res, reply.status, reply.body);
    }
    if (req.method === 'GET' && parts.length === 2 && parts[0] === 'orders') return this.lookup(res, this.ledger.latestForOrder(parts[1] as string));
    if (req.method === 'GET' && parts.length === 1) return this.lookup(res, this.ledger.byPaymentKey(parts[0] as string));
    throw new TossStandinError(404, 'NOT_FOUND', `${req.method} ${pathname}`);
  }

  private confirm(body: unknown): { response: StoredResponse; hold: boolean } {
    const { paymentKey, orderId, amount } = asObject(body);
    if (typeof paymentKey !== 'string' || typeof orderId !== 'string' || typeof amount !== 'number') {
      throw new TossStandinError(400, 'INVALID_REQUEST', 'the body needs paymentKey and orderId (strings) and amount (a number)');
    }
    const outcome = this.ledger.confirm({ paymentKey, orderId, amount }, () => this.takeFault());
    const response = outcome.ok ? { status: 200, body: tossPayment(outcome.entry) } : { status: outcome.error.status, body: outcome.error.toBody() };
    return { response, hold: outcome.hold };
  }

  private takeFault(): ConfirmFault | undefined {
    if (this.faults.count <= 0 || !this.faults.confirm) return undefined;
    this.faults.count -= 1;
    return this.faults.confirm;
  }

  /** The timeout fault: the work is done, the answer comes `slowResponseMs` later, or never if the client leaves first. */
  private holdBack(res: ServerResponse, reply: StoredResponse): void {
    const timer = setTimeout(() => {
      this.held.delete(res);
      sendJson(res, reply.status, reply.body);
    }, this.slowResponseMs);
    this.held.set(res, timer);
    res.once('close', () => {
      clearTimeout(timer);
      this.held.delete(res);
    });
  }

  private lookup(res: ServerResponse, entry: LedgerEntry | undefined): void {
    if (!entry) throw new TossStandinError(404, 'NOT_FOUND_PAYMENT');
    sendJson(res, 200, tossPayment(entry));
  }

  private payPage(res: ServerResponse, fields: Record<string, string>): void {
    const parsed = parseCheckout(fields, this.clientKey);
    if (!parsed.ok) return sendHtml(res, 400, renderProblemPage(parsed.problem));
    sendHtml(res, 200, renderPayPage(parsed.checkout));
  }

  /** The window's Pay or Cancel: back to the shop's successUrl with a paymentKey, or to its failUrl with Toss's code. */
  private async pay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fields = await readFields(req);
    const parsed = parseCheckout(fields, this.clientKey);
    if (!parsed.ok) return sendHtml(res, 400, renderProblemPage(parsed.problem));
    const checkout: CheckoutRequest = parsed.checkout;
    if (fields.action === 'cancel') {
      const canceled = new TossStandinError(400, 'PAY_PROCESS_CANCELED');
      return redirect(res, failUrl(checkout, canceled.code, canceled.message));
    }
    try {
      const { paymentKey } = this.ledger.authorize({ ...checkout, card: fields.card ?? '' });
      redirect(res, successUrl(checkout, paymentKey));
    } catch (err) {
      if (!(err instanceof TossStandinError)) throw err;
      redirect(res, failUrl(checkout, err.code, err.message));
    }
  }

  /** The one place an unanswered request ends: Toss's error shape for expected refusals, a 500 for anything else. */
  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof TossStandinError) return sendJson(res, err.status, err.toBody());
    sendJson(res, 500, { code: 'FAILED_INTERNAL_SYSTEM_PROCESSING', message: `stand-in bug: ${err instanceof Error ? err.message : String(err)}` });
  }
}

/** Turns an expected refusal into the response Toss would send, so the idempotency store can keep it. */
async function answer(work: () => Promise<StoredResponse>): Promise<StoredResponse> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TossStandinError) return { status: err.status, body: err.toBody() };
    throw err;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new TossStandinError(400, 'INVALID_REQUEST', 'the path is not valid percent-encoding');
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TossStandinError(400, 'INVALID_REQUEST', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) throw new TossStandinError(413, 'INVALID_REQUEST', `the body is over ${BODY_LIMIT_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TossStandinError(400, 'INVALID_REQUEST', 'the body is not JSON');
  }
}

/** The window's form as a browser posts it (urlencoded) or a headless client sends it (JSON); values as strings. */
async function readFields(req: IncomingMessage): Promise<Record<string, string>> {
  if ((req.headers['content-type'] ?? '').startsWith('application/json')) {
    const body = asObject(await readJson(req));
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  }
  return Object.fromEntries(new URLSearchParams(await readBody(req)));
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8' });
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, html, { 'content-type': 'text/html; charset=utf-8' });
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'content-length': 0 });
  res.end();
}

/** What checkout hands the browser for Toss's payment window (the shop's `paymentRequest`). */
export interface PaymentWindowRequest {
  clientKey: string;
  orderId: string;
  amountWon: number;
  orderName: string;
}

/**
 * The form a customer submits in the stand-in's payment window (POST /pay): the order's payment
 * request, where the window sends them back (`<returnBase>/success` or `/fail`, the shop's pages),
 * and the card they enter. One shape for every test and the twin's shoppers.
 */
export function paymentWindowForm(request: { [K in keyof PaymentWindowRequest]?: unknown }, returnBase: string, card: string): Record<string, string> {
  // A headless client passes on whatever checkout answered, as a browser's form would; the window checks every field.
  return {
    clientKey: String(request.clientKey),
    orderId: String(request.orderId),
    amount: String(request.amountWon),
    orderName: String(request.orderName),
    successUrl: `${returnBase}/success`,
    failUrl: `${returnBase}/fail`,
    card,
  };
}

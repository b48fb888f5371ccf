import { randomBytes } from 'node:crypto';
import { sampleCatalog, type CatalogSample } from './catalog.js';
import { defaultCheckoutRetry, type CheckoutRetryPolicy } from './checkout-client.js';
import { Ledger } from './ledger.js';
import { ShopHttp } from './shop-http.js';
import { Shopper } from './shopper.js';

export interface LoadSettings {
  baseUrl: string;
  /** Concurrent shopper sessions at the start; `setSessions` changes it (the scale-out step). */
  sessions: number;
  /** Pause between a shopper's actions, uniform in [min, max] ms. Online Boutique uses 1–10 s; drills compress it. */
  thinkMs: readonly [number, number];
  /** Sockets to the origin (shared by all sessions: cookies are per shopper, not per socket). */
  connections: number;
  requestTimeoutMs: number;
  checkoutRetry: CheckoutRetryPolicy;
  /** Hard stop: no session runs past this, whatever the caller does. */
  maxDurationMs: number;
}

export const defaultLoadSettings = {
  sessions: 24,
  thinkMs: [50, 250],
  connections: 64,
  requestTimeoutMs: 10_000,
  checkoutRetry: defaultCheckoutRetry,
  maxDurationMs: 15 * 60_000,
} as const satisfies Omit<LoadSettings, 'baseUrl'>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Closed-loop shopper sessions against one base URL. Each session registers, then acts by the mix
 * with think time between actions until it is told to stop or the hard deadline passes.
 */
export class LoadGenerator {
  readonly ledger: Ledger;
  readonly http: ShopHttp;
  readonly runId = `d${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  private readonly running = new Map<number, { stop: boolean; done: Promise<void> }>();
  private nextIndex = 0;
  /** Sessions started and not yet past their registration (a password hash on the instance: a burst of CPU). */
  private unregistered = 0;
  private readonly deadline: number;
  private catalog: CatalogSample | undefined;

  constructor(
    readonly settings: LoadSettings,
    ledger = new Ledger(),
  ) {
    this.ledger = ledger;
    this.http = new ShopHttp({ baseUrl: settings.baseUrl, connections: settings.connections, requestTimeoutMs: settings.requestTimeoutMs }, ledger);
    this.deadline = Date.now() + settings.maxDurationMs;
  }

  /** Learns the catalog, then starts the sessions. */
  async start(): Promise<void> {
    this.catalog = await sampleCatalog(this.http);
    this.setSessions(this.settings.sessions);
  }

  /** Sessions still registering: a load calibration waits for them before it reads the instances' CPU. */
  get registering(): number {
    return this.unregistered;
  }

  get sessions(): number {
    return [...this.running.values()].filter((s) => !s.stop).length;
  }

  /** Starts or stops sessions until `n` run. */
  setSessions(n: number): void {
    const catalog = this.catalog;
    if (!catalog) throw new Error('LoadGenerator.start() first');
    const live = [...this.running].filter(([, s]) => !s.stop);
    for (const [, s] of live.slice(n)) s.stop = true;
    for (let i = live.length; i < n; i++) {
      const index = this.nextIndex++;
      const state = { stop: false, done: Promise.resolve() };
      state.done = this.session(new Shopper(this.http, catalog, this.settings.checkoutRetry, this.runId, index), state);
      this.running.set(index, state);
    }
  }

  private async session(shopper: Shopper, state: { stop: boolean }): Promise<void> {
    const [min, max] = this.settings.thinkMs;
    this.unregistered += 1;
    try {
      await shopper.register();
    } finally {
      this.unregistered -= 1;
    }
    while (!state.stop && Date.now() < this.deadline) {
      await shopper.act();
      await sleep(min + Math.random() * (max - min));
    }
  }

  /** Stops every session, waits for in-flight actions (bounded by the request timeout and retry budget), closes sockets. */
  async stop(): Promise<void> {
    for (const s of this.running.values()) s.stop = true;
    await Promise.all([...this.running.values()].map((s) => s.done));
    await this.http.close();
  }
}

import { startTossStandin, type StandinPaymentStatus, type TossStandin } from '@evermall/testkit';

/** What an instance needs to charge through the provider (ServiceHost.payments in @evermall/shop/release). */
export interface PaymentProviderSettings {
  tossApiUrl: string;
  tossSdkUrl: string;
  clientKey: string;
  secretKey: string;
}

/** The provider as the status page shows it: where it is, and its payments by status. */
export interface PaymentProviderStatus {
  provider: 'toss-standin';
  url: string;
  /** The payment window a customer is sent to (GET with the SDK's query, or POST its form). */
  payPageUrl: string;
  running: boolean;
  payments: Record<StandinPaymentStatus, number>;
}

export interface PaymentProviderOptions {
  port: number;
  journalPath: string;
  keys: { clientKey: string; secretKey: string };
}

const HOST = '127.0.0.1';

/**
 * The twin's Toss Payments: the testkit's stand-in of its API and payment window, in the twin's
 * own process, on a port of the twin's plan, with fixed keys and a journal under the state dir, so
 * a restarted twin (and the instances it launches) finds the payments and keys it had, as a shop
 * does with the real provider. Its settings are known before it starts: the shop CLI's migrate
 * and seed load the same configuration as instances, which names the provider.
 */
export class PaymentProvider {
  private standin: TossStandin | undefined;
  /** Kept so a stop that comes while it is still starting closes it too. */
  private starting: Promise<TossStandin> | undefined;

  constructor(private readonly options: PaymentProviderOptions) {}

  get url(): string {
    return `http://${HOST}:${this.options.port}`;
  }

  get payPageUrl(): string {
    return `${this.url}/pay`;
  }

  /** What every instance gets (the real provider's https://api.tosspayments.com and js.tosspayments.com/v2/standard). */
  get settings(): PaymentProviderSettings {
    return { tossApiUrl: this.url, tossSdkUrl: `${this.url}/v2/standard`, ...this.options.keys };
  }

  async start(): Promise<void> {
    this.starting ??= startTossStandin({ port: this.options.port, host: HOST, journalPath: this.options.journalPath, ...this.options.keys });
    const starting = this.starting;
    const standin = await starting;
    // Unless stop() came meanwhile (it closes this one).
    if (this.starting === starting) this.standin = standin;
  }

  async stop(): Promise<void> {
    const starting = this.starting;
    this.starting = undefined;
    this.standin = undefined;
    // A start that failed has nothing to close; its error is the start's to report.
    const standin = await starting?.catch(() => undefined);
    await standin?.close();
  }

  status(): PaymentProviderStatus {
    const payments: Record<StandinPaymentStatus, number> = { IN_PROGRESS: 0, DONE: 0, CANCELED: 0, ABORTED: 0 };
    for (const p of this.standin?.payments() ?? []) payments[p.status] += 1;
    return { provider: 'toss-standin', url: this.url, payPageUrl: this.payPageUrl, running: this.standin !== undefined, payments };
  }
}

import { createHmac } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import {
  orderRef,
  type ChargeRequest,
  type ChargeResult,
  type PayableOrder,
  type PaymentProvider,
  type PaymentsConfig,
  type SettleRequest,
  type SettleResult,
} from './payment-provider.js';
import { orderNameOf, type PaymentRequest } from './payment-request.js';

export interface TossSettings {
  /** https://api.tosspayments.com, or the local stand-in. */
  apiUrl: string;
  sdkUrl: string;
  clientKey: string;
  secretKey: string;
  /** A call that has not answered in this time is given up: its outcome is unknown, and the reconciler settles it. */
  timeoutMs: number;
  /** Orders wait this long for their payment (PENDING_PAYMENT_EXPIRY_MINUTES), shown in the payment request. */
  expirySeconds: number;
  /** Keys the customerKey hash, so the provider never sees the shop's user ids. */
  customerKeySecret: string;
  logger: Logger;
}

/** A payment as Toss's v1 API answers it (the fields the shop reads). */
interface TossPayment {
  paymentKey: string;
  orderId: string;
  status: 'READY' | 'IN_PROGRESS' | 'WAITING_FOR_DEPOSIT' | 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED' | 'ABORTED' | 'EXPIRED';
  totalAmount: number;
}

interface TossError {
  code?: string;
  message?: string;
}

/**
 * Confirm answers that are the customer's payment failing, not the shop's request or Toss
 * failing (Toss's error code reference): the order is declined and its stock goes back.
 * NOT_FOUND_PAYMENT_SESSION: the authorization lapsed (Toss keeps it about 10 minutes) or the key
 * was never issued. INVALID_REQUEST on a confirm: the key was authorized for another order or
 * amount, a tampered redirect.
 */
const DECLINE_CODES = new Set([
  'REJECT_CARD_PAYMENT',
  'REJECT_CARD_COMPANY',
  'REJECT_ACCOUNT_PAYMENT',
  'INVALID_CARD_NUMBER',
  'INVALID_CARD_EXPIRATION',
  'INVALID_STOPPED_CARD',
  'INVALID_REJECT_CARD',
  'INVALID_CARD_LOST_OR_STOLEN',
  'INVALID_PASSWORD',
  'EXCEED_MAX_DAILY_PAYMENT_COUNT',
  'EXCEED_MAX_PAYMENT_AMOUNT',
  'EXCEED_MAX_CARD_INSTALLMENT_PLAN',
  'NOT_AVAILABLE_PAYMENT',
  'NOT_FOUND_PAYMENT_SESSION',
  'INVALID_REQUEST',
]);

/** A call whose outcome is unknown: no answer in time, no connection, a 5xx, or a 4xx that is the shop's fault (a wrong key). */
export class TossUnavailableError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TossUnavailableError';
  }
}

/**
 * Toss Payments (https://docs.tosspayments.com/reference), the redirect flow: the customer
 * authorizes in Toss's payment window, the browser comes back with a paymentKey, and the shop
 * confirms it server-side with the order's reference and the order's own amount, never the
 * amount the browser reports (checked first by checkout). Every POST carries an Idempotency-Key
 * (Toss replays the first answer to a key), so a confirm or cancel repeated after a timeout
 * moves money once.
 */
export class TossPaymentProvider implements PaymentProvider {
  readonly name = 'toss';
  readonly flow = 'redirect' as const;
  private readonly authorization: string;

  constructor(private readonly settings: TossSettings) {
    // Basic auth with the secret key as the user name and no password (Toss's API authentication).
    this.authorization = `Basic ${Buffer.from(`${settings.secretKey}:`).toString('base64')}`;
  }

  publicConfig(): PaymentsConfig {
    return { provider: 'toss', flow: 'redirect', clientKey: this.settings.clientKey, sdkUrl: this.settings.sdkUrl };
  }

  paymentRequest(order: PayableOrder): PaymentRequest {
    return {
      provider: 'toss',
      clientKey: this.settings.clientKey,
      sdkUrl: this.settings.sdkUrl,
      orderId: orderRef(order.id),
      orderName: orderNameOf(order.lines),
      amountWon: order.totalWon,
      customerKey: this.customerKeyOf(order.userId),
      expiresAt: new Date(Date.parse(order.createdAt) + this.settings.expirySeconds * 1000).toISOString(),
    };
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const { paymentKey } = request;
    if (!paymentKey) throw new TypeError('Toss confirms a payment the customer authorized: the charge needs its paymentKey');
    const answer = await this.call<TossPayment>('POST', '/v1/payments/confirm', {
      body: { paymentKey, orderId: request.idempotencyKey, amount: request.amountWon },
      // One key per authorization: a repeated confirm of it is answered from Toss's record.
      idempotencyKey: `evermall-confirm-${paymentKey}`,
    });
    if (answer.ok) return this.resultOf(answer.body, request.idempotencyKey, request.amountWon);
    const { code, message } = answer.error;
    if (code === 'ALREADY_PROCESSED_PAYMENT') {
      // Confirmed before (a retry whose first answer was lost): Toss's record of it is the answer.
      const found = await this.call<TossPayment>('GET', `/v1/payments/${encodeURIComponent(paymentKey)}`);
      if (found.ok) return this.resultOf(found.body, request.idempotencyKey, request.amountWon);
      throw new TossUnavailableError(`Toss said the payment was processed but could not show it: ${found.error.code ?? found.status}`, found.error.code);
    }
    if (code && DECLINE_CODES.has(code)) return { status: 'declined', reason: message ?? code };
    throw new TossUnavailableError(`Toss refused the confirm: ${answer.status} ${code ?? ''} ${message ?? ''}`.trim(), code);
  }

  async settle(request: SettleRequest): Promise<SettleResult> {
    const found = await this.call<TossPayment>('GET', `/v1/payments/orders/${encodeURIComponent(request.idempotencyKey)}`);
    if (!found.ok) {
      if (found.status === 404) return { status: 'none' };
      throw new TossUnavailableError(`Toss could not show the payment of ${request.idempotencyKey}: ${found.status} ${found.error.code ?? ''}`, found.error.code);
    }
    const payment = found.body;
    switch (payment.status) {
      case 'DONE':
        return this.resultOf(payment, request.idempotencyKey, request.amountWon);
      case 'IN_PROGRESS':
        // Authorized, never confirmed: confirm it now if the order still waits, else let it lapse.
        return request.complete
          ? this.charge({ idempotencyKey: request.idempotencyKey, amountWon: request.amountWon, description: '', paymentKey: payment.paymentKey })
          : { status: 'none' };
      case 'ABORTED':
      case 'EXPIRED':
        return { status: 'declined', reason: `the payment ${payment.status === 'ABORTED' ? 'was refused' : 'lapsed'} at Toss` };
      default:
        // READY or WAITING_FOR_DEPOSIT (no money yet), CANCELED or PARTIAL_CANCELED (given back).
        return { status: 'none' };
    }
  }

  async refund(reference: string): Promise<void> {
    const answer = await this.call<TossPayment>('POST', `/v1/payments/${encodeURIComponent(reference)}/cancel`, {
      body: { cancelReason: 'The order was released before its payment completed' },
      idempotencyKey: `evermall-refund-${reference}`,
    });
    if (answer.ok || answer.error.code === 'ALREADY_CANCELED_PAYMENT') return;
    throw new TossUnavailableError(`Toss did not cancel payment ${reference}: ${answer.status} ${answer.error.code ?? ''}`, answer.error.code);
  }

  /**
   * A confirmed payment is this order's only if Toss recorded it for this order and this amount;
   * anything else is a defect or tampering, and the money goes back.
   */
  private async resultOf(payment: TossPayment, ref: string, amountWon: number): Promise<ChargeResult> {
    if (payment.status !== 'DONE') return { status: 'declined', reason: `the payment is ${payment.status} at Toss` };
    if (payment.orderId === ref && payment.totalAmount === amountWon) return { status: 'approved', reference: payment.paymentKey };
    this.settings.logger.error({ ref, paymentOrderId: payment.orderId, totalAmount: payment.totalAmount, amountWon }, 'a Toss payment does not match its order; cancelling it');
    await this.refund(payment.paymentKey);
    return { status: 'declined', reason: 'The payment did not match the order and was cancelled.' };
  }

  private customerKeyOf(userId: number): string {
    return `em_${createHmac('sha256', this.settings.customerKeySecret).update(`toss-customer:${userId}`).digest('base64url').slice(0, 40)}`;
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; idempotencyKey?: string } = {},
  ): Promise<{ ok: true; status: number; body: T } | { ok: false; status: number; error: TossError }> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.settings.apiUrl), {
        method,
        headers: {
          authorization: this.authorization,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
      throw new TossUnavailableError(timedOut ? `Toss did not answer ${method} ${path} within ${this.settings.timeoutMs} ms` : `Toss unreachable: ${(err as Error).message}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    if (res.status >= 500) throw new TossUnavailableError(`Toss answered ${res.status} to ${method} ${path}`, (body as TossError | undefined)?.code);
    if (res.status === 401 || res.status === 403) {
      const error = (body ?? {}) as TossError;
      // A wrong secret key is the shop's misconfiguration, not the customer's card.
      if (error.code === 'UNAUTHORIZED_KEY' || error.code === 'FORBIDDEN_REQUEST' || res.status === 401) {
        this.settings.logger.error({ status: res.status, code: error.code }, "Toss refused the shop's key: check TOSS_SECRET_KEY");
        throw new TossUnavailableError(`Toss refused the shop's key (${error.code ?? res.status})`, error.code);
      }
    }
    if (res.ok) return { ok: true, status: res.status, body: body as T };
    return { ok: false, status: res.status, error: (body ?? {}) as TossError };
  }
}

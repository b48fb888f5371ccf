import type { PaymentRequest } from './payment-request.js';

export interface ChargeRequest {
  /** One per order (orderRef): a resumed checkout charges the same key again. */
  idempotencyKey: string;
  amountWon: number;
  description: string;
  /** The card flow: the card number the checkout carried. */
  card?: string;
  /** The redirect flow: the key the provider handed the customer's browser once they authorized the payment. */
  paymentKey?: string;
}

export type ChargeResult = { status: 'approved'; reference: string } | { status: 'declined'; reason: string };

/** The provider's word on an order's payment: as a charge would answer, or `none` when no money moved or is held. */
export type SettleResult = ChargeResult | { status: 'none' };

export interface SettleRequest {
  idempotencyKey: string;
  amountWon: number;
  /**
   * True while the order still waits for its payment: an authorization the customer made but
   * nobody confirmed (the confirm timed out before it arrived) is confirmed now. False for an
   * order already released: such an authorization is left to lapse, so no money moves.
   */
  complete: boolean;
}

/**
 * The payment seam. Checkout calls it outside the stock transaction (as Saleor does), so a slow
 * provider never holds a stock row lock. Providers must honour `idempotencyKey`: charging the
 * same key twice returns the first result and moves money once. That is what makes resuming
 * an interrupted checkout, and the reconciler, safe.
 *
 * Two flows:
 * - `card`: the checkout body carries a card and the order is charged in the checkout request
 *   (the test provider).
 * - `redirect`: checkout reserves the stock and answers the order with a `paymentRequest`; the
 *   customer authorizes the payment at the provider (its payment window), which sends the
 *   browser back with a payment key, and `POST /api/checkout/confirm` charges the order with it
 *   (Toss Payments).
 */
export interface PaymentProvider {
  readonly name: string;
  /** Defaults to `card`. */
  readonly flow?: 'card' | 'redirect';
  /** Throws when the provider cannot be reached or answers 5xx: the outcome is then unknown and may be retried. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Gives an approved charge back (an order released while its payment was completing). Repeating it is harmless. */
  refund(reference: string): Promise<void>;
  /**
   * What the provider knows of an order's payment, for the reconciler (checkout/payment-reconciler.ts).
   * Throws when the provider cannot be reached. A provider without it leaves doubtful orders to expiry.
   */
  settle?(request: SettleRequest): Promise<SettleResult>;
  /** The redirect flow: what the storefront needs to send the customer to the provider's payment window. */
  paymentRequest?(order: PayableOrder): PaymentRequest;
  /** What the storefront needs before checkout (GET /api/payments/config); without it, a card-flow test double. */
  publicConfig?(): PaymentsConfig;
}

/** An order waiting for its payment, as the provider's payment window needs it. */
export interface PayableOrder {
  id: number;
  userId: number;
  totalWon: number;
  lines: readonly { name: string }[];
  createdAt: string;
}

export type PaymentsConfig = { provider: 'test'; flow: 'card' } | { provider: 'toss'; flow: 'redirect'; clientKey: string; sdkUrl: string };

/** The order's reference at the provider: Toss's orderId (6–64 of [A-Za-z0-9_-]), and the card flow's idempotency key. */
export const orderRef = (orderId: number): string => `evermall-order-${orderId}`;

/** The shop's order id in a reference orderRef made, or undefined. */
export function orderIdOfRef(ref: string): number | undefined {
  const match = /^evermall-order-([1-9][0-9]{0,15})$/.exec(ref);
  return match ? Number(match[1]) : undefined;
}

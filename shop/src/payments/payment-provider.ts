export interface ChargeRequest {
  /** One per order: a resumed checkout charges the same key again. */
  idempotencyKey: string;
  amountWon: number;
  card: string;
  description: string;
}

export type ChargeResult = { status: 'approved'; reference: string } | { status: 'declined'; reason: string };

/**
 * The payment seam. Checkout calls it outside the stock transaction (as Saleor does), so a slow
 * provider never holds a stock row lock. Providers must honour `idempotencyKey`: charging the
 * same key twice returns the first result and moves money once. That is what makes resuming
 * an interrupted checkout safe.
 */
export interface PaymentProvider {
  readonly name: string;
  /** Throws when the provider cannot be reached; the outcome is then unknown and may be retried. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Gives an approved charge back (an order cancelled while its payment was completing). */
  refund(reference: string): Promise<void>;
}

import { createHash } from 'node:crypto';
import type { CartItem } from '../cart/cart.repository.js';
import { normalizeCard } from '../payments/test-payment-provider.js';
import type { CheckoutBody } from './checkout.schemas.js';

/** Only the card's last digits enter the hash: a fast hash of a whole card number could be reversed. */
const CARD_DIGITS_IN_HASH = 4;

/**
 * What an idempotency key promises: the same lines and the same body. The hash covers the lines
 * ordered (the cart's, or a buy-now body's; product and quantity in ascending product id), the
 * shipping and payment details, and whether it was a buy now, so replaying a key with a
 * different cart or address is detected (422).
 */
export function requestHash(items: readonly CartItem[], body: CheckoutBody): string {
  const { shipping } = body;
  const canonical = JSON.stringify({
    lines: [...items].sort((a, b) => a.productId - b.productId).map((i) => [i.productId, i.quantity]),
    shipping: [shipping.name, shipping.phone, shipping.address1, shipping.address2 ?? '', shipping.postalCode, shipping.city ?? ''],
    ...('card' in body.payment ? { card: normalizeCard(body.payment.card).slice(-CARD_DIGITS_IN_HASH) } : { provider: body.payment.provider }),
    // Only when true, so the hashes of cart checkouts stored before buy now existed still match.
    ...(body.items ? { buyNow: true } : {}),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

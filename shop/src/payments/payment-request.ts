import { Type, type Static } from 'typebox';

/**
 * What the storefront needs to open the provider's payment window for an order waiting for its
 * payment (the redirect flow). With Toss Payments: load `sdkUrl`, then
 * `TossPayments(clientKey).payment({ customerKey }).requestPayment({ method: 'CARD',
 * amount: { currency: 'KRW', value: amountWon }, orderId, orderName, successUrl, failUrl })`;
 * the window sends the browser to successUrl with `paymentKey`, `orderId` and `amount`, which
 * go to `POST /api/checkout/confirm` as they came.
 */
export const PaymentRequest = Type.Object(
  {
    provider: Type.Literal('toss'),
    clientKey: Type.String({ description: "The provider's public client key" }),
    sdkUrl: Type.String({ description: "The provider's browser SDK" }),
    orderId: Type.String({ description: "The order's reference at the provider (not the shop's order id)" }),
    orderName: Type.String({ description: 'What the payment window shows, e.g. "Linen shirt 외 2건"' }),
    amountWon: Type.Integer({ description: 'The amount to authorize: the order total, checked again by the shop on confirm' }),
    customerKey: Type.String({ description: "An opaque key for the customer at the provider (derived, not the shop's user id)" }),
    expiresAt: Type.String({ format: 'date-time', description: 'The order expires unpaid at this moment and its stock goes back' }),
  },
  { description: 'Present while the order waits for a payment the customer makes at the provider' },
);
export type PaymentRequest = Static<typeof PaymentRequest>;

export const PaymentsConfigSchema = Type.Union([
  Type.Object(
    { provider: Type.Literal('test'), flow: Type.Literal('card') },
    { description: 'Checkout carries a card number; the test provider approves all but the decline card' },
  ),
  Type.Object(
    { provider: Type.Literal('toss'), flow: Type.Literal('redirect'), clientKey: Type.String(), sdkUrl: Type.String() },
    { description: "Checkout sends payment: { provider: 'toss' } and the order comes back with a paymentRequest" },
  ),
]);

/** The payment window's order name: the first line's product, and how many more (Toss's own convention, "외 N건"). */
export function orderNameOf(lines: readonly { name: string }[]): string {
  const first = lines[0]?.name ?? 'Evermall order';
  const name = lines.length > 1 ? `${first} 외 ${lines.length - 1}건` : first;
  return name.length > 100 ? `${name.slice(0, 99)}…` : name;
}

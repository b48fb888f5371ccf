import { Type, type Static } from 'typebox';
import { AddItemBody } from '../cart/cart.schemas.js';
import { Shipping } from '../orders/orders.schemas.js';
import { DECLINED_TEST_CARD } from '../payments/test-payment-provider.js';

export { IDEMPOTENCY_KEY_PATTERN } from '../lib/idempotency-key.js';

export const CheckoutHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description:
        'Required. A fresh random key per checkout attempt (a UUID), 8–255 characters of letters, digits and -_.: ' +
        'Resend the same key when retrying after a network error or a 5xx.',
    }),
  ),
});

/** Lines one "buy now" checkout may carry; a bigger order goes through the cart. */
export const MAX_BUY_NOW_LINES = 20;

export const CheckoutBody = Type.Object(
  {
    items: Type.Optional(
      Type.Array(AddItemBody, {
        minItems: 1,
        maxItems: MAX_BUY_NOW_LINES,
        description: 'Buy now: order exactly these lines (each product once) instead of the cart, which is left as it is. ' + 'Omit it to order the cart.',
      }),
    ),
    shipping: Shipping,
    payment: Type.Union(
      [
        Type.Object(
          {
            card: Type.String({
              pattern: '^[0-9][0-9 -]{10,21}[0-9]$',
              description: `Card number, for a shop whose provider takes cards (GET /api/payments/config: flow "card"). The test provider approves every card except ${DECLINED_TEST_CARD}, which it declines.`,
            }),
          },
          { additionalProperties: false },
        ),
        Type.Object(
          { provider: Type.Literal('toss') },
          {
            additionalProperties: false,
            description: 'Pay at Toss Payments (flow "redirect"): the order comes back pending_payment with a paymentRequest for the payment window.',
          },
        ),
      ],
      { description: 'How the order is paid: match GET /api/payments/config.' },
    ),
  },
  { additionalProperties: false },
);
export type CheckoutBody = Static<typeof CheckoutBody>;

/**
 * `POST /api/checkout/confirm`: the three query parameters Toss's payment window appends to the
 * success URL, passed on as they came (amount as a number). The shop checks the amount against
 * the order before it asks Toss to move money.
 */
export const ConfirmBody = Type.Object(
  {
    paymentKey: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' }),
    orderId: Type.String({ pattern: '^evermall-order-[1-9][0-9]{0,15}$', description: "The paymentRequest's orderId" }),
    amount: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
  },
  { additionalProperties: false },
);
export type ConfirmBody = Static<typeof ConfirmBody>;

import { Type, type Static } from 'typebox';
import { PaymentRequest } from '../payments/payment-request.js';

export const ORDER_STATUSES = ['pending_payment', 'placed', 'paid', 'shipped', 'cancelled', 'payment_declined', 'expired'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const OrderStatus = Type.Union(
  [
    Type.Literal('pending_payment'),
    Type.Literal('placed'),
    Type.Literal('paid'),
    Type.Literal('shipped'),
    Type.Literal('cancelled'),
    Type.Literal('payment_declined'),
    Type.Literal('expired'),
  ],
  {
    description:
      'pending_payment: stock reserved, payment not yet confirmed; placed: paid for by card; paid: settled; ' +
      'shipped; cancelled (by staff, from pending_payment, placed or paid): stock returned; payment_declined: stock returned; ' +
      'expired: not paid in time (PENDING_PAYMENT_EXPIRY_MINUTES), stock returned',
  },
);

export const Shipping = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.String({ pattern: '^\\+?[0-9][0-9 -]{6,19}$', description: 'Digits, spaces, dashes, optional leading +' }),
    address1: Type.String({ minLength: 1, maxLength: 200 }),
    address2: Type.Optional(Type.String({ maxLength: 200 })),
    postalCode: Type.String({ pattern: '^[0-9]{5}$', description: 'Korean 5-digit postal code' }),
    city: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type Shipping = Static<typeof Shipping>;

export const OrderLine = Type.Object({
  productId: Type.Integer(),
  sku: Type.String(),
  name: Type.String(),
  unitPriceWon: Type.Integer({ description: 'The price at the moment of checkout' }),
  quantity: Type.Integer(),
  lineTotalWon: Type.Integer(),
});

export const Order = Type.Object({
  id: Type.Integer(),
  status: OrderStatus,
  lines: Type.Array(OrderLine),
  totalWon: Type.Integer(),
  shipping: Shipping,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  paymentRequest: Type.Optional(PaymentRequest),
});
export type Order = Static<typeof Order>;

export const AdminOrder = Type.Object({
  ...Order.properties,
  customer: Type.Object({ id: Type.Integer(), email: Type.String(), name: Type.String() }),
});
export type AdminOrder = Static<typeof AdminOrder>;

export const ORDER_PAGE_DEFAULT = 20;
export const ORDER_PAGE_MAX = 100;

const pageProperties = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ORDER_PAGE_MAX, default: ORDER_PAGE_DEFAULT })),
  cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })),
};

export const OrderListQuery = Type.Object(pageProperties, { additionalProperties: false });
export const AdminOrderListQuery = Type.Object({ ...pageProperties, status: Type.Optional(OrderStatus) }, { additionalProperties: false });
export type AdminOrderListQuery = Static<typeof AdminOrderListQuery>;

const nextCursor = Type.Union([Type.Integer(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last' });
export const OrderList = Type.Object({ items: Type.Array(Order), nextCursor });
export const AdminOrderList = Type.Object({ items: Type.Array(AdminOrder), nextCursor });

export const OrderParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

/** Statuses staff may set; the others are reached only through checkout. */
export const STAFF_STATUSES = ['paid', 'shipped', 'cancelled'] as const;
export type StaffStatus = (typeof STAFF_STATUSES)[number];
export const StatusBody = Type.Object({ status: Type.Union([Type.Literal('paid'), Type.Literal('shipped'), Type.Literal('cancelled')]) }, { additionalProperties: false });

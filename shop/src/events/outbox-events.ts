import type { OrderStatus } from '../orders/orders.schemas.js';

/** What the shop announces, each written to the outbox by the change it announces (outbox.sql in 070). */
export const EVENT_TYPES = ['order.placed', 'order.paid', 'order.cancelled', 'order.shipped', 'stock.low'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event as the outbox holds it and the broker carries it. */
export interface ShopEvent {
  /** The outbox row's id: unique, and growing in commit order per aggregate. Consumers deduplicate on it. */
  id: number;
  type: EventType;
  /** The order's id; the product's for `stock.*`. */
  aggregateId: number;
  payload: Record<string, unknown>;
  createdAt: string;
  /**
   * The W3C traceparent of the span the event belongs to (tracing/README.md): the writing
   * request's in the outbox, its publish span's on the broker. Consumers continue the trace with
   * `withEventSpan`. Absent when nothing traced the change.
   */
  traceparent?: string;
}

/**
 * The event a move to this status announces. `pending_payment` announces nothing: an order is
 * placed when its payment is approved. The three ways an order ends without being shipped
 * (staff cancel, declined payment, expiry) are one event, `order.cancelled`, whose payload's
 * `status` says which.
 */
export function eventOfStatus(status: OrderStatus): EventType | undefined {
  switch (status) {
    case 'placed':
      return 'order.placed';
    case 'paid':
      return 'order.paid';
    case 'shipped':
      return 'order.shipped';
    case 'cancelled':
    case 'payment_declined':
    case 'expired':
      return 'order.cancelled';
    case 'pending_payment':
      return undefined;
  }
}

/**
 * The payload of an order event, as SQL over a row `o` with the orders columns id, user_id,
 * status, total_won and updated_at (an orders row, or the RETURNING of the UPDATE that moved it),
 * so that statement writes its events itself: the lines come from their primary key index.
 */
export const ORDER_EVENT_PAYLOAD = `
  jsonb_build_object(
    'orderId', o.id, 'userId', o.user_id, 'status', o.status, 'totalWon', o.total_won, 'at', o.updated_at,
    'lines', COALESCE((SELECT jsonb_agg(jsonb_build_object('productId', l.product_id, 'sku', l.sku, 'quantity', l.quantity,
                                                         'unitPriceWon', l.unit_price_won) ORDER BY l.product_id)
                       FROM order_lines l WHERE l.order_id = o.id), '[]'::jsonb))`;

/**
 * The payload of `stock.low`, as SQL over a row `p` with the products columns id, sku and stock
 * (after the change); each statement adds the threshold it applied (`lowUnits`).
 */
export const STOCK_LOW_PAYLOAD = `jsonb_build_object('productId', p.id, 'sku', p.sku, 'stock', p.stock)`;

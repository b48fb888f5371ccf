import type { ShopEvent } from '@evermall/shop/events';

/** One line of an order as its events carry it (ORDER_EVENT_PAYLOAD in shop/src/events/outbox-events.ts). */
export interface OrderLine {
  productId: number;
  sku: string;
  quantity: number;
  unitPriceWon: number;
}

/** The payload of `order.*` events. */
export interface OrderPayload {
  orderId: number;
  userId: number;
  /** The status the order moved to; for `order.cancelled`: cancelled (by staff), payment_declined or expired. */
  status: string;
  totalWon: number;
  /** When the order moved (its updated_at), ISO 8601. */
  at: string;
  lines: OrderLine[];
}

/** The payload of `stock.low`. */
export interface StockLowPayload {
  productId: number;
  sku: string;
  stock: number;
  lowUnits: number;
}

/** The event's payload is not what the shop writes: retrying cannot help, so the event ends in the dead-letter queue. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
  readonly code = 'BAD_PAYLOAD';
}

const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function field<T>(event: ShopEvent, payload: Record<string, unknown>, name: string, ok: (v: unknown) => v is T, what: string): T {
  const value = payload[name];
  if (!ok(value)) throw new PayloadError(`${event.type} ${event.id}: payload.${name} must be ${what}, got ${JSON.stringify(value)}`);
  return value;
}

export function orderPayloadOf(event: ShopEvent): OrderPayload {
  const p = event.payload;
  const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const isLines = (v: unknown): v is unknown[] => Array.isArray(v);
  const lines = field(event, p, 'lines', isLines, 'a list').map((line, i) => {
    const l = (line ?? {}) as Record<string, unknown>;
    const at = `lines[${i}]`;
    if (!isWhole(l.productId) || !isWhole(l.quantity) || l.quantity < 1 || !isWhole(l.unitPriceWon) || l.unitPriceWon < 0 || typeof l.sku !== 'string') {
      throw new PayloadError(`${event.type} ${event.id}: payload.${at} must have productId, sku, quantity ≥ 1 and unitPriceWon ≥ 0, got ${JSON.stringify(line)}`);
    }
    return { productId: l.productId, sku: l.sku, quantity: l.quantity, unitPriceWon: l.unitPriceWon };
  });
  const orderId = field(event, p, 'orderId', isWhole, 'a whole number');
  if (orderId !== event.aggregateId) throw new PayloadError(`${event.type} ${event.id}: payload.orderId ${orderId} is not the event's order ${event.aggregateId}`);
  return {
    orderId,
    userId: field(event, p, 'userId', isWhole, 'a whole number'),
    status: field(event, p, 'status', isString, 'a status'),
    totalWon: field(event, p, 'totalWon', isWhole, 'a whole number of won'),
    at: field(event, p, 'at', (v): v is string => isString(v) && !Number.isNaN(Date.parse(v)), 'a time'),
    lines,
  };
}

export function stockLowPayloadOf(event: ShopEvent): StockLowPayload {
  const p = event.payload;
  return {
    productId: field(event, p, 'productId', isWhole, 'a whole number'),
    sku: field(event, p, 'sku', (v): v is string => typeof v === 'string' && v !== '', 'a SKU'),
    stock: field(event, p, 'stock', isWhole, 'a whole number'),
    lowUnits: field(event, p, 'lowUnits', isWhole, 'a whole number'),
  };
}

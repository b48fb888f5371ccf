import type { Sql } from '../db/pools.js';
import { conflict, notFound } from '../errors.js';
import { findOrder, listOrders, publicOrder, orderStatus, returnStock, transitionOrder } from './orders.repository.js';
import { ORDER_PAGE_DEFAULT, type AdminOrder, type Order, type OrderStatus, type StaffStatus } from './orders.schemas.js';

/**
 * Which statuses staff may move an order from, per target: placed → paid → shipped, and
 * placed or paid → cancelled (which returns the stock). Staff may also cancel an order stuck in
 * pending_payment (its checkout died and its client never retried), which releases its stock;
 * checkout refunds a charge that completes after such a cancel. Shipped, cancelled, declined and
 * expired orders (unpaid in time, see order-expiry.ts) are final.
 */
export const STAFF_TRANSITIONS: Record<StaffStatus, readonly OrderStatus[]> = {
  paid: ['placed'],
  shipped: ['paid'],
  cancelled: ['pending_payment', 'placed', 'paid'],
};

export interface Page<T> {
  items: T[];
  nextCursor: number | null;
}

function page<T extends { id: number }>(items: T[], limit: number): Page<T> {
  const last = items.at(-1);
  return { items, nextCursor: items.length === limit && last ? last.id : null };
}

/** Customers see only their own orders (read from the writer); staff see all and move them along. */
export class OrdersService {
  constructor(private readonly sql: Sql) {}

  async listMine(userId: number, query: { limit?: number; cursor?: number }): Promise<Page<Order>> {
    const limit = query.limit ?? ORDER_PAGE_DEFAULT;
    const rows = await listOrders(this.sql, { userId, beforeId: query.cursor, limit });
    return page(
      rows.map(({ customer: _customer, ...order }) => order),
      limit,
    );
  }

  /** Another customer's order is "not found", so order ids reveal nothing. */
  async getMine(userId: number, orderId: number): Promise<Order> {
    const order = await findOrder(this.sql, orderId);
    if (!order || order.userId !== userId) throw notFound('The order');
    return publicOrder(order);
  }

  async listAll(query: { limit?: number; cursor?: number; status?: OrderStatus }): Promise<Page<AdminOrder>> {
    const limit = query.limit ?? ORDER_PAGE_DEFAULT;
    return page(await listOrders(this.sql, { status: query.status, beforeId: query.cursor, limit }), limit);
  }

  /**
   * Moves an order to `to` if the transition is allowed. Cancelling returns the stock in the
   * same transaction as the status change, and the conditional update makes it happen once
   * even when two staff press the button together.
   */
  async changeStatus(orderId: number, to: StaffStatus, staffUserId: number): Promise<AdminOrder> {
    const from = STAFF_TRANSITIONS[to];
    const moved = await this.sql.begin(async (tx) => {
      if (!(await transitionOrder(tx, orderId, from, to))) return false;
      if (to === 'cancelled') await returnStock(tx, orderId, `order ${orderId} cancelled`, staffUserId);
      return true;
    });
    if (!moved) {
      const current = await orderStatus(this.sql, orderId);
      if (!current) throw notFound('The order');
      throw conflict('INVALID_TRANSITION', `An order that is ${current} cannot become ${to}.`, { from: current, to, allowedFrom: from });
    }
    const [order] = await listOrders(this.sql, { orderId, limit: 1 });
    if (!order) throw notFound('The order');
    return order;
  }
}

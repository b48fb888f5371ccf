import type { Queryable } from '@evermall/shop/db';
import type { ShopEvent } from '@evermall/shop/events';
import { orderMessageId, type MailMessage } from '../mail/index.js';
import { orderPayloadOf, type OrderPayload } from './event-payloads.js';

/** The order events a customer is written about. */
export const NOTIFIED_EVENTS = ['order.placed', 'order.shipped', 'order.cancelled'] as const;
export type NotifiedEvent = (typeof NOTIFIED_EVENTS)[number];

export const isNotified = (type: string): type is NotifiedEvent => (NOTIFIED_EVENTS as readonly string[]).includes(type);

/** The customer, or an order line, the event names is not in the database: the event is retried, then dead-lettered. */
export class MissingRowError extends Error {
  override readonly name = 'MissingRowError';
  readonly code = 'MISSING_ROW';
}

const won = new Intl.NumberFormat('ko-KR', { style: 'currency', currency: 'KRW' });

/** Why an `order.cancelled` happened, in the customer's words, by the payload's status. */
const CANCELLED_BECAUSE: Record<string, string> = {
  cancelled: '주문이 취소되었습니다.',
  payment_declined: '결제가 승인되지 않아 주문이 취소되었습니다.',
  expired: '결제 시간이 지나 주문이 취소되었습니다.',
};

const HEADLINES: Record<NotifiedEvent, (order: OrderPayload) => { subject: string; lead: string }> = {
  'order.placed': (o) => ({ subject: `[Evermall] 주문이 접수되었습니다 (주문 번호 ${o.orderId})`, lead: '주문해 주셔서 감사합니다. 결제가 확인되어 주문이 접수되었습니다.' }),
  'order.shipped': (o) => ({ subject: `[Evermall] 주문하신 상품이 발송되었습니다 (주문 번호 ${o.orderId})`, lead: '주문하신 상품을 발송했습니다.' }),
  'order.cancelled': (o) => ({
    subject: `[Evermall] 주문이 취소되었습니다 (주문 번호 ${o.orderId})`,
    lead: `${CANCELLED_BECAUSE[o.status] ?? CANCELLED_BECAUSE.cancelled!} 결제된 금액이 있다면 결제 수단으로 환불됩니다.`,
  }),
};

/**
 * The one mail an order event gets: to the order's customer (their address read from `users` by
 * the payload's userId, so a changed address is used), with the lines under the names they were
 * bought by (`order_lines.name`), and the event's deterministic Message-ID.
 */
export async function composeOrderMail(sql: Queryable, event: ShopEvent & { type: NotifiedEvent }): Promise<MailMessage> {
  const order = orderPayloadOf(event);
  const [customer] = await sql<{ email: string; name: string }[]>`SELECT email, name FROM users WHERE id = ${order.userId}`;
  if (!customer) throw new MissingRowError(`${event.type} ${event.id}: no user ${order.userId}`);
  const names = new Map(
    (await sql<{ product_id: bigint; name: string }[]>`SELECT product_id, name FROM order_lines WHERE order_id = ${order.orderId}`).map((r) => [Number(r.product_id), r.name]),
  );
  const lines = order.lines.map((l) => {
    const name = names.get(l.productId);
    if (name === undefined) throw new MissingRowError(`${event.type} ${event.id}: order ${order.orderId} has no line for product ${l.productId}`);
    return { name, quantity: l.quantity, amount: won.format(l.quantity * l.unitPriceWon) };
  });
  const { subject, lead } = HEADLINES[event.type](order);
  const total = won.format(order.totalWon);
  const text = [
    `${customer.name}님, 안녕하세요.`,
    '',
    lead,
    '',
    `주문 번호: ${order.orderId}`,
    ...lines.map((l) => `- ${l.name} × ${l.quantity}: ${l.amount}`),
    `합계: ${total}`,
    '',
    'Evermall',
  ].join('\n');
  const html = [
    `<p>${escapeHtml(customer.name)}님, 안녕하세요.</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    `<p>주문 번호: ${order.orderId}</p>`,
    '<table>',
    ...lines.map((l) => `<tr><td>${escapeHtml(l.name)}</td><td>× ${l.quantity}</td><td>${escapeHtml(l.amount)}</td></tr>`),
    `<tr><th colspan="2">합계</th><td>${escapeHtml(total)}</td></tr>`,
    '</table>',
    '<p>Evermall</p>',
  ].join('\n');
  return { messageId: orderMessageId(order.orderId, event.type), to: customer.email, subject, text, html };
}

/** Product and customer names are typed by people: in HTML they are text, never markup. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

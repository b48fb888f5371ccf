import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../mail/index.js';
import { announceOrder, createCustomer, createOrder, createProducts, type Product } from '@evermall/shop/testing';
import { batchOf, holdInboxRow, startShopDatabase, type ShopDatabase } from '../testing/shop-fixtures.js';
import { startSmtpTestServer, type SmtpTestServer } from '../testing/smtp-test-server.js';
import { createOrderNotifier, ORDER_NOTIFIER } from './order-notifier.js';

/** The order notifier against a real PostgreSQL with the shop's schema and a real SMTP server. */
describe('order notifier', () => {
  let db: ShopDatabase;
  let smtp: SmtpTestServer;
  let mailer: SmtpMailer;
  let notify: ReturnType<typeof createOrderNotifier>;
  let products: Product[];
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];

  beforeAll(async () => {
    [db, smtp] = await Promise.all([startShopDatabase(), startSmtpTestServer()]);
    mailer = new SmtpMailer(smtp.url, 'Evermall <orders@evermall.shop>');
    notify = createOrderNotifier({
      sql: db.sql,
      mailer,
      lockTimeoutMs: 200,
      log: { warn: (fields, message) => warnings.push({ fields: fields as Record<string, unknown>, message }) },
    });
    products = await createProducts(db.sql, 2, 15_000);
  });
  afterAll(async () => {
    await mailer?.close();
    await Promise.all([smtp?.close(), db?.close()]);
  });
  beforeEach(() => {
    smtp.received.length = 0;
    smtp.refuseWith = undefined;
    warnings.length = 0;
  });

  const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier);
  const mailIds = () => smtp.received.map((r) => r.mail.messageId);
  const inboxed = async (eventId: number) =>
    (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM consumer_inbox WHERE consumer = ${ORDER_NOTIFIER} AND event_id = ${eventId}`)[0]!.n;
  const newOrder = async (name = '김민지') => {
    const customer = await createCustomer(db.sql, name);
    const orderId = await createOrder(db.sql, customer.id, [
      { product: products[0]!, quantity: 2 },
      { product: products[1]!, quantity: 1 },
    ]);
    return { customer, orderId };
  };

  it('sends a placed order one confirmation, to its customer, naming what was bought; a duplicate delivery sends nothing more', async () => {
    const { customer, orderId } = await newOrder('이서준');
    const placed = await announceOrder(db.sql, orderId, 'order.placed', 'placed');

    expect(failedIds(await notify(batchOf(ORDER_NOTIFIER, [placed])))).toEqual([]);
    // Redelivered, alone and twice in one batch (at least once means either can happen).
    expect(failedIds(await notify(batchOf(ORDER_NOTIFIER, [placed], 2)))).toEqual([]);
    expect(failedIds(await notify(batchOf(ORDER_NOTIFIER, [placed, placed], 3)))).toEqual([]);

    expect(mailIds()).toEqual([`<order-${orderId}-order.placed@evermall.shop>`]);
    const [{ mail, recipients }] = smtp.received as [SmtpTestServer['received'][number]];
    expect(recipients).toEqual([customer.email]);
    expect(mail.subject).toBe(`[Evermall] 주문이 접수되었습니다 (주문 번호 ${orderId})`);
    expect(mail.text).toContain('이서준님, 안녕하세요.');
    expect(mail.text).toContain(`- ${products[0]!.name} × 2: ₩30,000`);
    expect(mail.text).toContain(`- ${products[1]!.name} × 1: ₩15,000`);
    expect(mail.text).toContain('합계: ₩45,000');
    expect(await inboxed(placed.id)).toBe(1);
  });

  it('writes about shipping and cancelling too (saying why it was cancelled), and not about a payment', async () => {
    const shippedOrder = await newOrder();
    const paid = await announceOrder(db.sql, shippedOrder.orderId, 'order.paid', 'paid');
    const shipped = await announceOrder(db.sql, shippedOrder.orderId, 'order.shipped', 'shipped');
    const expiredOrder = await newOrder();
    const expired = await announceOrder(db.sql, expiredOrder.orderId, 'order.cancelled', 'expired');

    expect(failedIds(await notify(batchOf(ORDER_NOTIFIER, [paid, shipped, expired])))).toEqual([]);

    expect(mailIds()).toEqual([`<order-${shippedOrder.orderId}-order.shipped@evermall.shop>`, `<order-${expiredOrder.orderId}-order.cancelled@evermall.shop>`]);
    expect(smtp.received[0]!.mail.subject).toContain('발송되었습니다');
    expect(smtp.received[1]!.mail.text).toContain('결제 시간이 지나 주문이 취소되었습니다.');
    expect(await inboxed(paid.id)).toBe(0);
  });

  it('fails a body that is not a shop event, and only that record', async () => {
    const { orderId } = await newOrder();
    const placed = await announceOrder(db.sql, orderId, 'order.placed', 'placed');
    const batch = batchOf(ORDER_NOTIFIER, ['{"not":"an event"}', placed]);

    expect(failedIds(await notify(batch))).toEqual([batch.Records[0]!.messageId]);
    expect(mailIds()).toEqual([`<order-${orderId}-order.placed@evermall.shop>`]);
    expect(warnings).toMatchObject([{ fields: { consumer: ORDER_NOTIFIER, err: { type: 'UndecodableBody' } } }]);
  });

  it('a mail the server refuses records nothing, and the redelivery sends it', async () => {
    const { orderId } = await newOrder();
    const placed = await announceOrder(db.sql, orderId, 'order.placed', 'placed');
    smtp.refuseWith = 451;
    const first = batchOf(ORDER_NOTIFIER, [placed]);
    expect(failedIds(await notify(first))).toEqual([first.Records[0]!.messageId]);
    expect(await inboxed(placed.id)).toBe(0);

    smtp.refuseWith = undefined;
    expect(failedIds(await notify(batchOf(ORDER_NOTIFIER, [placed], 2)))).toEqual([]);
    expect(mailIds()).toEqual([`<order-${orderId}-order.placed@evermall.shop>`]);
    expect(await inboxed(placed.id)).toBe(1);
  });

  it('a database failure fails only its records (and the rest of that order’s group); the others are sent and recorded', async () => {
    const a = await newOrder();
    const b = await newOrder();
    const aPlaced = await announceOrder(db.sql, a.orderId, 'order.placed', 'placed');
    const aCancelled = await announceOrder(db.sql, a.orderId, 'order.cancelled', 'cancelled');
    const bPlaced = await announceOrder(db.sql, b.orderId, 'order.placed', 'placed');

    // Another delivery of A's placement is being handled: its inbox row is held, uncommitted.
    const other = await holdInboxRow(db.sql, ORDER_NOTIFIER, aPlaced.id);

    const batch = batchOf(ORDER_NOTIFIER, [aPlaced, aCancelled, bPlaced]);
    const response = await notify(batch);
    await other.release();

    // A's placement waited out the lock timeout; A's cancellation was not tried after it (FIFO); B's went out.
    expect(failedIds(response)).toEqual([batch.Records[0]!.messageId, batch.Records[1]!.messageId]);
    expect(warnings.map((w) => w.fields.err)).toMatchObject([{ type: '55P03' }]);
    expect(mailIds()).toEqual([`<order-${b.orderId}-order.placed@evermall.shop>`]);

    // The other delivery rolled back: the redelivery of A's two records sends both, in order.
    expect(failedIds(await notify(batchOf(ORDER_NOTIFIER, [aPlaced, aCancelled], 2)))).toEqual([]);
    expect(mailIds()).toEqual([
      `<order-${b.orderId}-order.placed@evermall.shop>`,
      `<order-${a.orderId}-order.placed@evermall.shop>`,
      `<order-${a.orderId}-order.cancelled@evermall.shop>`,
    ]);
  });
});

import postgres from 'postgres';
import { writerUrl } from '@evermall/shop';
import type { StandinPayment } from '@evermall/testkit';
import { PAID_STATUSES } from './checkout-client.js';
import type { Ledger } from './ledger.js';

export type Sql = postgres.Sql;

/** Orders in these states gave their stock back (issue 2: a declined payment or a cancellation; issue 12: an unpaid order that expired). */
const STOCK_RETURNED = ['cancelled', 'payment_declined', 'expired'];

/** Opens a small connection to the writer. Multi-host URLs must land on the primary (docs/design.md#finding-the-primary). */
export function connectWriter(url: string): Sql {
  return postgres(writerUrl(url), { max: 2, onnotice: () => undefined, connect_timeout: 10, idle_timeout: 5 });
}

/**
 * Restocks what the steady load buys before a drill, so a long series of drills (thousands of
 * orders) does not sell the catalog out and leave the later drills measuring "out of stock"
 * answers instead of checkouts. Every active product that is for sale (stock left) or was sold
 * before (it ran out under earlier load) is brought up to `units`, with a stock adjustment per
 * product, as a staff restock writes; products the seed made sold out and nobody bought stay
 * sold out. Answers how many products it restocked.
 */
export async function restockForLoad(sql: Sql, units: number): Promise<number> {
  const [row] = await sql<{ restocked: number }[]>`
    WITH low AS (
      SELECT p.id, p.stock FROM products p
      WHERE p.active AND p.stock < ${units}
        AND (p.stock > 0 OR EXISTS (SELECT 1 FROM order_lines l WHERE l.product_id = p.id))
      FOR UPDATE
    ), restocked AS (
      UPDATE products p SET stock = ${units}, updated_at = now() FROM low WHERE p.id = low.id
      RETURNING p.id, ${units} - low.stock AS delta
    ), adjusted AS (
      INSERT INTO stock_adjustments (product_id, delta, reason)
      SELECT id, delta, 'drill restock' FROM restocked
    )
    SELECT count(*)::int AS restocked FROM restocked`;
  return row?.restocked ?? 0;
}

/**
 * Waits until the writer URL reaches a primary that takes writes (not in recovery): after a
 * failover, a restore or a zone coming back, a node may answer "the database system is starting
 * up" (57P03) or still be read-only for a while. Answers undefined once it does, or what it last
 * saw when `timeoutMs` ran out.
 */
export async function waitForWriter(sql: Sql, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'no answer yet';
  for (;;) {
    try {
      const [row] = await sql<{ standby: boolean }[]>`SELECT pg_is_in_recovery() AS standby`;
      if (row && !row.standby) return undefined;
      seen = 'the writer URL reached a standby (in recovery)';
    } catch (err) {
      seen = (err as Error).message;
    }
    if (Date.now() > deadline) return seen;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Per product: stock on the shelf and units held by live orders. Their sum must not change during a run. */
export type StockSnapshot = Map<number, { stock: number; sold: number }>;

export async function snapshotStock(sql: Sql): Promise<StockSnapshot> {
  const rows = await sql<{ id: string; stock: number; sold: string }[]>`
    SELECT p.id::text AS id, p.stock,
           coalesce((SELECT sum(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id
                     WHERE l.product_id = p.id AND o.status <> ALL(${STOCK_RETURNED})), 0)::text AS sold
    FROM products p`;
  return new Map(rows.map((r) => [Number(r.id), { stock: r.stock, sold: Number(r.sold) }]));
}

export interface Reconciliation {
  acknowledgedOrders: number;
  /** Acknowledged to a client, missing from the database. Must be 0. */
  ordersLost: number;
  lostOrderIds: number[];
  /** Acknowledged orders whose lines in the database differ from the answer. Must be 0. */
  ordersWithWrongLines: number;
  /** More than one order for one idempotency key (in the DB, or different ids told to the client). Must be 0. */
  duplicateOrders: number;
  /** Products whose stock + units sold changed during the run. Must be 0. */
  stockMismatches: { productId: number; before: number; after: number }[];
  negativeStock: number;
  /** Units sold during the run beyond the stock there was. Must be 0. */
  oversold: number;
  /** Orders placed for keys the client never saw acknowledged (it gave up): not a violation, but worth knowing. */
  placedButUnacknowledged: number;
  /** Units sold during the run per product that sold any. */
  unitsSold: Record<string, number>;
  /** Orders the shop told a shopper were placed (confirm 200). */
  confirmedOrders: number;
  /** Told placed, yet not placed (or later) in the database. Must be 0. */
  confirmedButNotPlaced: number[];
  /** Whether the provider's payments were read: without them the three checks below are not made. */
  paymentsReconciled: boolean;
  /** Orders of the run placed (or later) without a DONE payment of their total at the provider: nobody orders without paying. Must be 0. */
  placedWithoutPayment: number[];
  /** Orders with more than one DONE payment: a customer charged twice. Must be 0. */
  paidTwice: number[];
  /** DONE payments kept for orders that gave their stock back (declined, expired, cancelled): charged for nothing. Must be 0. */
  chargedWithoutOrder: number[];
  /** Orders still pending_payment whose payment is DONE: the shop's reconciler has not settled them yet. Not a violation. */
  awaitingSettlement: number;
  violations: string[];
}

/** The stand-in's payment reference for a shop order (shop/src/payments/payment-provider.ts `orderRef`). */
export const providerOrderId = (orderId: number): string => `evermall-order-${orderId}`;

/** The payments the Toss Payments stand-in holds (GET /__standin/payments: loopback only, the stand-in's own control). */
export async function fetchProviderPayments(providerUrl: string): Promise<StandinPayment[]> {
  const res = await fetch(new URL('/__standin/payments', providerUrl), { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`the payment provider at ${providerUrl} answered ${res.status} for its payments`);
  return (await res.json()) as StandinPayment[];
}

/**
 * Compares what clients were told (the ledger) with what the database holds, checks the stock
 * invariants against the snapshot taken before the run, and, given the provider's payments, that
 * every order of the run placed was paid for exactly once with its total and no charge is kept for
 * an order that gave its stock back. Any violation is listed in `violations`.
 */
export async function reconcile(sql: Sql, ledger: Ledger, before: StockSnapshot, payments?: readonly StandinPayment[]): Promise<Reconciliation> {
  const violations: string[] = [];
  const acked = ledger.acknowledged;
  const ackedIds = acked.map((o) => o.orderId);
  const rows = ackedIds.length
    ? await sql<{ id: string; idempotency_key: string; lines: { productId: number; quantity: number }[] }[]>`
        SELECT o.id::text AS id, o.idempotency_key,
               coalesce(json_agg(json_build_object('productId', l.product_id, 'quantity', l.quantity))
                        FILTER (WHERE l.order_id IS NOT NULL), '[]') AS lines
        FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id
        WHERE o.id = ANY(${ackedIds}::bigint[])
        GROUP BY o.id`
    : [];
  const found = new Map(rows.map((r) => [Number(r.id), r]));
  const lostOrderIds = acked.filter((o) => !found.has(o.orderId)).map((o) => o.orderId);
  if (lostOrderIds.length) violations.push(`${lostOrderIds.length} acknowledged orders are missing from the database (e.g. ${lostOrderIds.slice(0, 5).join(', ')})`);

  let ordersWithWrongLines = 0;
  for (const o of acked) {
    const row = found.get(o.orderId);
    if (!row) continue;
    const dbLines = new Map(row.lines.map((l) => [Number(l.productId), l.quantity]));
    const wrongKey = row.idempotency_key !== o.idempotencyKey;
    const noLines = dbLines.size === 0;
    const differ = o.lines.length > 0 && (o.lines.length !== dbLines.size || o.lines.some((l) => dbLines.get(l.productId) !== l.quantity));
    if (wrongKey || noLines || differ) ordersWithWrongLines++;
  }
  if (ordersWithWrongLines) violations.push(`${ordersWithWrongLines} acknowledged orders have other lines or another key in the database than the client was told`);

  const keys = [...ledger.keysSent];
  const perKey = keys.length
    ? await sql<{ idempotency_key: string; n: string; acked: boolean }[]>`
        SELECT idempotency_key, count(*)::text AS n, bool_or(id = ANY(${ackedIds}::bigint[])) AS acked
        FROM orders WHERE idempotency_key = ANY(${keys}::text[]) GROUP BY idempotency_key`
    : [];
  const dbDuplicates = perKey.reduce((sum, r) => sum + Math.max(0, Number(r.n) - 1), 0);
  const duplicateOrders = dbDuplicates + ledger.conflictingAcks.length;
  if (duplicateOrders) violations.push(`${duplicateOrders} duplicate orders for one idempotency key`);
  const placedButUnacknowledged = perKey.filter((r) => !r.acked).length;

  const paid = await reconcilePayments(sql, ledger, payments);
  violations.push(...paid.violations);

  const after = await snapshotStock(sql);
  const stockMismatches: Reconciliation['stockMismatches'] = [];
  const unitsSold: Record<string, number> = {};
  let oversold = 0;
  let negativeStock = 0;
  for (const [productId, now] of after) {
    if (now.stock < 0) negativeStock++;
    const was = before.get(productId) ?? { stock: now.stock + now.sold, sold: 0 };
    if (now.stock + now.sold !== was.stock + was.sold) {
      stockMismatches.push({ productId, before: was.stock + was.sold, after: now.stock + now.sold });
    }
    const sold = now.sold - was.sold;
    if (sold !== 0) unitsSold[String(productId)] = sold;
    oversold += Math.max(0, sold - was.stock);
  }
  if (negativeStock) violations.push(`${negativeStock} products have negative stock`);
  if (oversold) violations.push(`${oversold} units were sold beyond the stock there was`);
  if (stockMismatches.length) {
    const m = stockMismatches[0]!;
    violations.push(`stock + units sold changed for ${stockMismatches.length} products (e.g. product ${m.productId}: ${m.before} → ${m.after})`);
  }

  return {
    acknowledgedOrders: acked.length,
    ordersLost: lostOrderIds.length,
    lostOrderIds,
    ordersWithWrongLines,
    duplicateOrders,
    stockMismatches,
    negativeStock,
    oversold,
    placedButUnacknowledged,
    unitsSold,
    confirmedOrders: paid.confirmedOrders,
    confirmedButNotPlaced: paid.confirmedButNotPlaced,
    paymentsReconciled: payments !== undefined,
    placedWithoutPayment: paid.placedWithoutPayment,
    paidTwice: paid.paidTwice,
    chargedWithoutOrder: paid.chargedWithoutOrder,
    awaitingSettlement: paid.awaitingSettlement,
    violations,
  };
}

type PaymentChecks = Pick<Reconciliation, 'confirmedOrders' | 'confirmedButNotPlaced' | 'placedWithoutPayment' | 'paidTwice' | 'chargedWithoutOrder' | 'awaitingSettlement'> & {
  violations: string[];
};

const sample = (ids: number[]) => ids.slice(0, 5).join(', ');

/** Told placed ⇒ placed in the database; placed ⇒ one DONE payment of the order's total; no DONE payment kept for an order released. */
async function reconcilePayments(sql: Sql, ledger: Ledger, payments: readonly StandinPayment[] | undefined): Promise<PaymentChecks> {
  const violations: string[] = [];
  const keys = [...ledger.keysSent];
  // Every order the run created, told to a shopper or not: one the shopper gave up on may still have been paid.
  const orders = keys.length
    ? await sql<{ id: string; status: string; total_won: number }[]>`
        SELECT id::text AS id, status, total_won FROM orders WHERE idempotency_key = ANY(${keys}::text[])`
    : [];
  const byId = new Map(orders.map((o) => [Number(o.id), o]));
  const confirmed = ledger.confirmed;
  const confirmedButNotPlaced = confirmed.filter((o) => !PAID_STATUSES.includes(byId.get(o.orderId)?.status ?? '')).map((o) => o.orderId);
  if (confirmedButNotPlaced.length)
    violations.push(`${confirmedButNotPlaced.length} orders shoppers were told are placed are not placed in the database (e.g. ${sample(confirmedButNotPlaced)})`);
  const checks: PaymentChecks = {
    confirmedOrders: confirmed.length,
    confirmedButNotPlaced,
    placedWithoutPayment: [],
    paidTwice: [],
    chargedWithoutOrder: [],
    awaitingSettlement: 0,
    violations,
  };
  if (!payments) return checks;

  const done = new Map<string, StandinPayment[]>();
  for (const p of payments) if (p.status === 'DONE') done.set(p.orderId, [...(done.get(p.orderId) ?? []), p]);
  for (const [id, order] of byId) {
    const taken = done.get(providerOrderId(id)) ?? [];
    if (PAID_STATUSES.includes(order.status)) {
      if (!taken.some((p) => p.totalAmount === order.total_won)) checks.placedWithoutPayment.push(id);
    } else if (order.status === 'pending_payment') {
      if (taken.length) checks.awaitingSettlement += 1;
    } else if (taken.length) checks.chargedWithoutOrder.push(id);
    if (taken.length > 1) checks.paidTwice.push(id);
  }
  if (checks.placedWithoutPayment.length) {
    violations.push(`${checks.placedWithoutPayment.length} orders are placed without a DONE payment of their total at the provider (e.g. ${sample(checks.placedWithoutPayment)})`);
  }
  if (checks.paidTwice.length) violations.push(`${checks.paidTwice.length} orders were paid more than once (e.g. ${sample(checks.paidTwice)})`);
  if (checks.chargedWithoutOrder.length) {
    violations.push(`${checks.chargedWithoutOrder.length} orders gave their stock back but their payment was kept, not refunded (e.g. ${sample(checks.chargedWithoutOrder)})`);
  }
  return checks;
}

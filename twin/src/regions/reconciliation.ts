import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type postgres from 'postgres';

/** An order region a acknowledged that region b does not have: for staff to restore or refund. */
export interface UnreplicatedOrder {
  orderId: number;
  idempotencyKey: string;
  userId: number;
  /** Who to contact: the account may itself be missing in region b. */
  email: string | null;
  status: string;
  totalWon: number;
  /** The payment provider's reference when it was paid: the money was taken for an order region b does not know. */
  paymentRef: string | null;
  createdAt: string;
  lines: { productId: number; sku: string; quantity: number; unitPriceWon: number }[];
}

/** An order both regions have, whose last change in region a (a payment confirmed, a cancellation) region b never got. */
export interface ChangedOrder {
  orderId: number;
  idempotencyKey: string;
  userId: number;
  email: string | null;
  statusInRegionA: string;
  statusInRegionB: string;
  paymentRef: string | null;
}

/** What `restore-region a` found, written to `.twin/regions/reconciliation-<time>.json`. */
export interface RegionReconciliation {
  at: string;
  /** Region a's old primary, read read-only before it was rewound. */
  readFrom: { node: string; port: number };
  /** Orders created or changed in region a from this time on were compared (the last commit region b replayed, less a margin). */
  checkedFrom: string;
  ordersChecked: number;
  missing: UnreplicatedOrder[];
  changed: ChangedOrder[];
  file: string;
}

type Sql = postgres.Sql;

/**
 * Compares region a's orders with region b's by what identifies an order for its shopper (user
 * and idempotency key), not by id: region b hands out ids from its own, advanced sequence. Only
 * orders created or changed since `since` are read from region a: everything region a committed
 * before region b's last replayed commit reached region b, the WAL being one ordered stream.
 */
export async function reconcileRegions(regionA: Sql, regionB: Sql, since: Date): Promise<Pick<RegionReconciliation, 'checkedFrom' | 'ordersChecked' | 'missing' | 'changed'>> {
  type Row = {
    id: string;
    idempotency_key: string;
    user_id: string;
    email: string | null;
    status: string;
    total_won: number;
    payment_ref: string | null;
    created_at: Date;
    lines: UnreplicatedOrder['lines'];
  };
  const inA = await regionA<Row[]>`
    SELECT o.id::text AS id, o.idempotency_key, o.user_id::text AS user_id, u.email, o.status, o.total_won, o.payment_ref, o.created_at,
           coalesce(json_agg(json_build_object('productId', l.product_id, 'sku', l.sku, 'quantity', l.quantity, 'unitPriceWon', l.unit_price_won))
                    FILTER (WHERE l.order_id IS NOT NULL), '[]') AS lines
    FROM orders o LEFT JOIN users u ON u.id = o.user_id LEFT JOIN order_lines l ON l.order_id = o.id
    WHERE o.created_at >= ${since} OR o.updated_at >= ${since}
    GROUP BY o.id, u.email ORDER BY o.created_at, o.id`;
  const inB = inA.length
    ? await regionB<{ user_id: string; idempotency_key: string; status: string }[]>`
        SELECT o.user_id::text AS user_id, o.idempotency_key, o.status FROM orders o
        JOIN unnest(${inA.map((o) => o.user_id)}::bigint[], ${inA.map((o) => o.idempotency_key)}::text[]) AS k(user_id, idempotency_key)
          ON o.user_id = k.user_id AND o.idempotency_key = k.idempotency_key`
    : [];
  const statusInB = new Map(inB.map((o) => [`${o.user_id}/${o.idempotency_key}`, o.status]));
  const missing: UnreplicatedOrder[] = [];
  const changed: ChangedOrder[] = [];
  for (const o of inA) {
    const b = statusInB.get(`${o.user_id}/${o.idempotency_key}`);
    const who = { orderId: Number(o.id), idempotencyKey: o.idempotency_key, userId: Number(o.user_id), email: o.email, paymentRef: o.payment_ref };
    if (b === undefined) {
      missing.push({ ...who, status: o.status, totalWon: o.total_won, createdAt: o.created_at.toISOString(), lines: o.lines });
    } else if (b !== o.status) {
      changed.push({ ...who, statusInRegionA: o.status, statusInRegionB: b });
    }
  }
  return { checkedFrom: since.toISOString(), ordersChecked: inA.length, missing, changed };
}

/** Writes the staff's list next to the twin's state; returns its path. */
export function writeReconciliation(dir: string, reconciliation: Omit<RegionReconciliation, 'file'>): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `reconciliation-${reconciliation.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ ...reconciliation, file }, null, 2)}\n`);
  return file;
}

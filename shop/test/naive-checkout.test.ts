import { PGBENCH_ORDER_KEY_PREFIX, runPgbench } from '@evermall/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type Sql } from '../src/db/pools.js';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.js';
import { stockOf, stockProduct } from '../src/testing/stocked-products.js';

/**
 * The benchmarks' ceiling, the test kit's pgbench naive checkout, is the shop's checkout
 * transaction: it must run against the shop's schema and leave what a checkout leaves.
 */
describe("the test kit's pgbench naive checkout against the shop's schema", () => {
  let db: TestDatabase;
  let sql: Sql;
  beforeAll(async () => {
    db = await createTestDatabase(inject('pgAdminUrl'));
    sql = connect(db.url, { max: 2 });
  });
  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  it('places whole orders and takes one unit of stock for each', async () => {
    const product = await stockProduct(sql, { stock: 1_000_000, priceWon: 12_000 });
    const [user] = await sql<{ id: bigint }[]>`
      INSERT INTO users (email, name, password_hash) VALUES ('pgbench@example.test', 'pgbench', '!') RETURNING id`;
    const tps = await runPgbench({ url: db.url, clients: 1, seconds: 1, userId: Number(user!.id), products: { hot: product.id } });

    const [orders] = await sql<{ n: number; lines: number; total: number }[]>`
      SELECT count(*)::int AS n, (SELECT count(*)::int FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.idempotency_key LIKE ${`${PGBENCH_ORDER_KEY_PREFIX}%`}) AS lines,
             coalesce(sum(total_won), 0)::int AS total
      FROM orders WHERE idempotency_key LIKE ${`${PGBENCH_ORDER_KEY_PREFIX}%`}`;
    expect(tps).toBeGreaterThan(0);
    expect(orders!.n).toBeGreaterThan(0);
    expect(orders!.lines).toBe(orders!.n);
    expect(orders!.total).toBe(orders!.n * 12_000);
    expect(await stockOf(sql, product.id)).toBe(1_000_000 - orders!.n);
  });
});

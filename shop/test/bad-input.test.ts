import { randomBytes, createHash } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createTestShop, type TestShop } from '../src/testing/index.js';
import { testShopConfig } from '../src/testing/test-config.js';
import { hashPassword } from '../src/accounts/passwords.js';

/**
 * Property: whatever a client sends to any route — malformed bodies, params, headers and query
 * strings, anonymous or logged in — the shop answers below 500, every error carries a stable
 * `code` and a message, and a failed request leaves the database exactly as it was.
 * Routes are read from the shop's own OpenAPI document, so new routes are covered as they land,
 * each with RUNS_PER_ROUTE generated requests.
 */

const RUNS_PER_ROUTE = 1000;

/** The HTTP interface from issue 2; the storefront, twin, CDK and drills depend on it. */
const INTERFACE = [
  'GET /api/categories',
  'GET /api/products',
  'GET /api/products/{slug}',
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'GET /api/auth/me',
  'GET /api/cart',
  'POST /api/cart/items',
  'PATCH /api/cart/items/{productId}',
  'DELETE /api/cart/items/{productId}',
  'POST /api/checkout',
  'GET /api/orders',
  'GET /api/orders/{id}',
  'POST /api/admin/products',
  'PATCH /api/admin/products/{id}',
  'DELETE /api/admin/products/{id}',
  'PUT /api/admin/products/{id}/stock',
  'POST /api/admin/products/{id}/stock-adjustments',
  'POST /api/admin/products/{id}/images',
  'GET /api/admin/orders',
  'PUT /api/admin/orders/{id}/status',
  'GET /media/{key}',
  'GET /healthz',
  'GET /readyz',
];

interface Route {
  method: string;
  path: string;
  params: string[];
  query: string[];
  bodyProps: string[];
}

const FINGERPRINT_TABLES = ['categories', 'products', 'users', 'carts', 'cart_items', 'orders', 'order_lines', 'stock_adjustments', 'sessions'];
/** Columns any request may move without changing what the shop holds: a session's last use (idle expiry). */
const VOLATILE_COLUMNS = ['last_seen_at'];

/** One statement, one round trip: a hash of every row of every table a request could change. */
const FINGERPRINT_SQL = `SELECT ${FINGERPRINT_TABLES.map(
  (t) => `(SELECT md5(coalesce(string_agg(r, ',' ORDER BY r), '')) FROM (SELECT (to_jsonb(x) - '{${VOLATILE_COLUMNS.join(',')}}'::text[])::text AS r FROM ${t} x) rows)`,
).join(` || '|' || `)} AS h`;

/** The database as last fingerprinted, and the next transaction id the cluster would assign then. */
interface Seen {
  fingerprint: string;
  nextXid: string;
}

/**
 * The database now. Writing assigns a transaction id, so while the cluster's next id stays the
 * same nothing was written anywhere and the last fingerprint still holds: most requests cost
 * this one cheap query instead of hashing every table. The id is read before the hash, so a
 * write during the hash moves it and is seen next time.
 */
async function look(shop: TestShop, last?: Seen): Promise<Seen> {
  const [xid] = await shop.sql<{ x: string }[]>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`;
  if (last && last.nextXid === xid!.x) return last;
  const [row] = await shop.sql.unsafe<{ h: string }[]>(FINGERPRINT_SQL);
  return { nextXid: xid!.x, fingerprint: row!.h };
}

async function createUserCookie(shop: TestShop, role: 'customer' | 'admin'): Promise<string> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.com`;
  const [user] = await shop.sql<{ id: number }[]>`
    INSERT INTO users (email, name, password_hash, role)
    VALUES (${email}, ${role}, ${await hashPassword('correct horse battery')}, ${role}) RETURNING id`;
  const token = randomBytes(32).toString('base64url');
  await shop.sql`INSERT INTO sessions (token_hash, user_id, expires_at)
    VALUES (${createHash('sha256').update(token).digest()}, ${user!.id}, now() + interval '1 day')`;
  return `evermall_session=${shop.app.signCookie(token)}`;
}

function routesOf(app: FastifyInstance): Route[] {
  const doc = app.swagger() as {
    paths: Record<
      string,
      Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>
    >;
  };
  const routes: Route[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (path.startsWith('/docs')) continue;
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const schema = op.requestBody?.content?.['application/json']?.schema;
      routes.push({ method: method.toUpperCase(), path: path.length > 1 ? path.replace(/\/$/, '') : path, params, query, bodyProps: Object.keys(schema?.properties ?? {}) });
    }
  }
  return routes;
}

/** Strings that have broken web apps before, plus arbitrary ones. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    '9007199254740993',
    '99999999999999999999',
    'NaN',
    'null',
    'true',
    '[]',
    '{}',
    '../../etc/passwd',
    '..%2F..%2Fetc',
    '%00',
    '\u0000',
    "'; DROP TABLE products; --",
    '<script>alert(1)</script>',
    '운동화',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    'a'.repeat(5000),
    '1.5',
    '0x10',
    ' 1',
    '１２３',
  ),
  fc.integer().map(String),
  fc.double().map(String),
);

const jsonValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  nastyString,
  fc.array(fc.oneof(fc.integer(), nastyString), { maxLength: 4 }),
  fc.dictionary(nastyString, fc.oneof(fc.integer(), nastyString, fc.constant(null)), { maxKeys: 4 }),
);

const printableHeader = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));

/** The documented routes, read from a shop without a database before the tests are collected, so each route is its own test. */
const ROUTES = await (async () => {
  const app = await buildApp({ config: testShopConfig('postgres://x@127.0.0.1:1/x', '/nonexistent'), logger: false });
  await app.ready();
  try {
    return routesOf(app);
  } finally {
    await app.close();
  }
})();

const existingIds = ['1', '2', '3'];

const request = fc.record({
  who: fc.constantFrom('anonymous', 'customer', 'admin') as fc.Arbitrary<'anonymous' | 'customer' | 'admin'>,
  params: fc.array(fc.oneof(nastyString, fc.constantFrom(...existingIds)), { minLength: 4, maxLength: 4 }),
  query: fc.array(fc.tuple(fc.oneof(fc.constantFrom('q', 'sort', 'limit', 'cursor', 'page', 'category'), nastyString), nastyString), { maxLength: 4 }),
  body: fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .dictionary(
          fc.constantFrom(
            'email',
            'password',
            'name',
            'productId',
            'quantity',
            'stock',
            'delta',
            'reason',
            'status',
            'shipping',
            'payment',
            'sku',
            'slug',
            'priceWon',
            'categoryId',
          ),
          jsonValue,
        )
        .map((o) => JSON.stringify(o)),
    },
    { weight: 1, arbitrary: jsonValue.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ),
  contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', 'multipart/form-data', 'application/x-www-form-urlencoded', 'garbage', undefined),
  idempotencyKey: fc.option(printableHeader),
  origin: fc.option(fc.constantFrom('http://evil.example', 'null', 'not a url', 'http://localhost:80')),
});

describe('bad input never breaks the shop', () => {
  let shop: TestShop;
  let cookies: Record<'anonymous' | 'customer' | 'admin', string | undefined>;
  /** The database as the last request left it. */
  let seen: Seen | undefined;

  beforeAll(async () => {
    // Limits high enough that the generated requests reach the code behind them instead of a 429.
    const unlimited = '1000000';
    shop = await createTestShop(inject('pgAdminUrl'), {
      LOGIN_RATE_LIMIT_PER_MINUTE: unlimited,
      LOGIN_ACCOUNT_RATE_LIMIT_PER_HOUR: unlimited,
      REGISTER_RATE_LIMIT_PER_HOUR: unlimited,
      ANONYMOUS_CART_RATE_LIMIT_PER_HOUR: unlimited,
    });
    await shop.sql`INSERT INTO categories (slug, name, name_en) VALUES ('shoes', '신발', 'Shoes')`;
    await shop.sql`INSERT INTO products (sku, slug, name, name_en, description, price_won, category_id, stock)
      SELECT 'SKU-' || g, 'product-' || g, '운동화 ' || g, 'Sneaker ' || g, 'desc', 10000 + g, (SELECT id FROM categories LIMIT 1), 5
      FROM generate_series(1, 5) g`;
    cookies = { anonymous: undefined, customer: await createUserCookie(shop, 'customer'), admin: await createUserCookie(shop, 'admin') };
  });
  afterAll(async () => shop?.close());

  it('documents every route of the interface, so all of them are fuzzed', () => {
    const documented = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    const missing = INTERFACE.filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.path}: ${RUNS_PER_ROUTE} malformed requests answered below 500, with a code, changing nothing when refused`, async () => {
      let checked = 0;
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          let url = route.path;
          route.params.forEach((p, i) => {
            url = url.replace(`{${p}}`, encodeURIComponent(r.params[i] ?? ''));
          });
          const qs = new URLSearchParams(r.query).toString();
          const headers: Record<string, string> = {};
          if (r.contentType && r.body !== undefined) headers['content-type'] = r.contentType;
          if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey;
          if (r.origin !== null) headers['origin'] = r.origin;
          const cookie = cookies[r.who];
          if (cookie) headers['cookie'] = cookie;

          const before = seen ?? (await look(shop));
          seen = undefined;
          const res = await shop.app.inject({
            method: route.method as 'GET',
            url: qs ? `${url}?${qs}` : url,
            headers,
            ...(r.body !== undefined && route.method !== 'GET' && route.method !== 'HEAD' ? { payload: r.body } : {}),
          });
          checked += 1;
          const after = await look(shop, before);
          const where = `${route.method} ${url}?${qs} as ${r.who} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          expect(res.statusCode, where).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const body = res.json() as { error?: { code?: unknown; message?: unknown } };
            expect(typeof body.error?.code, where).toBe('string');
            expect(typeof body.error?.message, where).toBe('string');
            expect(after.fingerprint, `database changed by a refused request: ${where}`).toBe(before.fingerprint);
          }
          seen = after;
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
      expect(checked).toBeGreaterThanOrEqual(RUNS_PER_ROUTE);
    });
  }
});

import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTossStandin, TOSS_STANDIN_CARDS, type TossStandin } from '@evermall/testkit';
import { axeViolations } from './axe';
import { makePng } from './png';
import { ADMIN, resultsDir, startStack, type Stack } from './stack';

/**
 * The journeys a shopper and a shop manager take, in Debian's Chromium, against the built SPA
 * and a real shop on a real PostgreSQL. One stack for the whole file keeps it bounded.
 */
let stack: Stack;
const contexts: BrowserContext[] = [];
/** Uncaught exceptions in any page: a journey that "works" while the app throws still fails. */
const pageErrors: string[] = [];

beforeAll(async () => {
  stack = await startStack();
});

// A failed journey leaves a picture of every page it had open, to see what the shopper saw.
afterEach(async (ctx) => {
  const failed = ctx.task.result?.state === 'fail';
  const pages = contexts.flatMap((c) => c.pages());
  if (failed) {
    const name = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
    for (const [i, p] of pages.entries()) await shot(p, `failed-${name}-${i}`).catch(() => undefined);
  }
  for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await stack?.stop();
});

async function newPage(viewport = { width: 1280, height: 900 }, on: Stack = stack): Promise<Page> {
  const context = await on.browser.newContext({ baseURL: on.baseUrl, viewport, locale: 'ko-KR' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
  return page;
}

async function shot(page: Page, name: string) {
  // The sticky header would be drawn mid-page in a full-page picture of a scrolled page.
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  await page.screenshot({ path: path.join(resultsDir, `${name}.png`), fullPage: true });
}
const won = (n: number) => `₩${n.toLocaleString('en-US')}`;
const uniqueEmail = (who: string) => `${who}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@evermall.test`;

async function register(page: Page, name: string, email: string, password = 'shopper-password-1') {
  await page.getByLabel('이름').fill(name);
  await page.getByLabel('이메일').fill(email);
  await page.getByLabel('비밀번호').fill(password);
  await page.getByRole('button', { name: '가입하기' }).click();
}

/** A new shopper, registered on the way to checkout, with `quantity` units of a product put in the cart (reload to show them). */
async function shopperAtCheckout(page: Page, name: string, email: string, productId: number, quantity = 1, on: Stack = stack) {
  await page.goto('/register?next=/checkout');
  await register(page, name, email);
  await page.waitForURL((url) => url.pathname === '/checkout');
  const added = await page.request.post('/api/cart/items', { data: { productId, quantity }, headers: { Origin: on.baseUrl } });
  expect(added.status()).toBe(200);
}

async function fillAddress(page: Page) {
  await page.getByLabel('받는 분').fill('김민지');
  await page.getByLabel('연락처').fill('010-1234-5678');
  await page.getByLabel('우편번호').fill('04524');
  await page.getByLabel('주소', { exact: true }).fill('서울특별시 중구 세종대로 110');
}

async function fillCheckout(page: Page, card = '4242 4242 4242 4242') {
  await fillAddress(page);
  await page.getByLabel('카드 번호').fill(card);
}

async function ordersOf(email: string, on: Stack = stack) {
  return on.sql<{ id: string; status: string; total_won: number; quantity: number }[]>`
    SELECT o.id, o.status, o.total_won, l.quantity
    FROM orders o JOIN users u ON u.id = o.user_id JOIN order_lines l ON l.order_id = o.id
    WHERE lower(u.email) = lower(${email})`;
}

/** A product the journeys can buy several of, found the way a shopper would: by searching 운동화. */
async function sneaker(minStock = 10, on: Stack = stack) {
  const rows = await on.sql<{ id: number; slug: string; name: string; price_won: number }[]>`
    SELECT id::int AS id, slug, name, price_won FROM products
    WHERE active AND name LIKE '%운동화%' AND stock >= ${minStock} ORDER BY id LIMIT 1`;
  const row = rows[0];
  if (!row) throw new Error('the seed catalog has no 운동화 in stock');
  return row;
}

/** An order placed with plain API calls, as another customer, for the staff pages to work on. */
async function placeOrderThroughApi(): Promise<number> {
  const context = await stack.browser.newContext({ baseURL: stack.baseUrl });
  contexts.push(context);
  const headers = { Origin: stack.baseUrl };
  const product = await sneaker();
  const ok = async (res: Promise<{ status(): number; json(): Promise<unknown> }>) => {
    const r = await res;
    expect(r.status()).toBeLessThan(300);
    return r.json();
  };
  await ok(context.request.post('/api/auth/register', { data: { email: uniqueEmail('api'), password: 'api-password-1', name: 'API' }, headers }));
  await ok(context.request.post('/api/cart/items', { data: { productId: product.id, quantity: 1 }, headers }));
  const order = (await ok(
    context.request.post('/api/checkout', {
      data: { shipping: { name: '박서준', phone: '010-2222-3333', postalCode: '06236', address1: '서울 강남구 테헤란로 1' }, payment: { card: '4242424242424242' } },
      headers: { ...headers, 'Idempotency-Key': `e2e-${Date.now()}-${Math.random().toString(36).slice(2)}` },
    }),
  )) as { id: number };
  return order.id;
}

describe('storefront in Chromium', () => {
  it('shopper: browse → search 운동화 → product → add 2 → cart → register → checkout → confirmation → order history', async () => {
    const page = await newPage();
    const product = await sneaker();

    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('언제나 열려 있는 쇼핑몰');
    await page.getByRole('list', { name: '새로 들어온 상품' }).getByRole('listitem').first().waitFor();
    await shot(page, 'home');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('searchbox', { name: '상품 검색' }).fill('운동화');
    await page.waitForURL(/\/search\?q=/);
    const results = page.getByRole('list', { name: '‘운동화’ 검색 결과' });
    await results.getByRole('link', { name: product.name }).click();

    await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
    await expect(page.getByText(won(product.price_won)).first().isVisible()).resolves.toBe(true);
    await page
      .locator('.product-image')
      .first()
      .evaluate((img: HTMLImageElement) => img.decode?.().catch(() => undefined));
    await shot(page, 'product');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('수량').fill('2');
    await page.getByRole('button', { name: '장바구니에 담기' }).click();
    await page.getByText('장바구니에 담았습니다.').waitFor();

    await page
      .getByRole('link', { name: /장바구니/ })
      .first()
      .click();
    await page.getByRole('heading', { level: 1, name: '장바구니' }).waitFor();
    await expect(page.getByLabel(`${product.name} 수량`).inputValue()).resolves.toBe('2');
    await expect(page.getByTestId('cart-total').textContent()).resolves.toBe(won(product.price_won * 2));
    await page.getByLabel(`${product.name} 수량`).selectOption('3');
    await page
      .getByTestId('cart-total')
      .getByText(won(product.price_won * 3))
      .waitFor();
    await page.getByLabel(`${product.name} 수량`).selectOption('2');
    await page
      .getByTestId('cart-total')
      .getByText(won(product.price_won * 2))
      .waitFor();
    await shot(page, 'cart');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('link', { name: '주문하기' }).click();
    await page.waitForURL(/\/login\?next=%2Fcheckout/);
    await page.getByRole('main').getByRole('link', { name: '회원가입' }).click();
    const email = uniqueEmail('shopper');
    await register(page, '김민지', email);
    await page.waitForURL((url) => url.pathname === '/checkout');

    await fillCheckout(page);
    await shot(page, 'checkout');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '주문하기' }).click();
    await page.getByRole('heading', { name: '주문이 완료되었습니다' }).waitFor();
    await shot(page, 'confirmation');

    const orders = await ordersOf(email);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: 'placed', total_won: product.price_won * 2, quantity: 2 });

    await page.getByRole('link', { name: '주문 내역' }).click();
    await page.getByRole('heading', { level: 1, name: '주문 내역' }).waitFor();
    await page.getByRole('link', { name: `주문 #${orders[0]!.id} 보기` }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it('a double click on "Place order" places one order, every request with the same Idempotency-Key', async () => {
    const page = await newPage();
    const product = await sneaker();
    const email = uniqueEmail('double');
    await shopperAtCheckout(page, '이중클릭', email, product.id);
    await page.reload();

    const keys: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/checkout') && r.method() === 'POST') keys.push(r.headers()['idempotency-key'] ?? '');
    });
    await fillCheckout(page);
    await page.getByRole('button', { name: '주문하기' }).dblclick();
    await page.getByRole('heading', { name: '주문이 완료되었습니다' }).waitFor();

    expect(keys.length).toBeGreaterThanOrEqual(1);
    expect(new Set(keys).size).toBe(1);
    expect(await ordersOf(email)).toHaveLength(1);
  });

  it('a lost answer is retried with the same key: the shop replays the order instead of placing a second', async () => {
    const page = await newPage();
    const product = await sneaker();
    const email = uniqueEmail('retry');
    await shopperAtCheckout(page, '재시도', email, product.id);
    await page.reload();

    // The first checkout reaches the shop, which places the order, but its answer never
    // reaches the browser: what a shopper sees when an instance dies mid-response.
    const keys: string[] = [];
    let dropped = false;
    await page.route('**/api/checkout', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (dropped) return route.continue();
      dropped = true;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await fillCheckout(page);
    await page.getByRole('button', { name: '주문하기' }).click();
    await page.getByRole('heading', { name: '주문이 완료되었습니다' }).waitFor({ timeout: 30_000 });

    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(await ordersOf(email)).toHaveLength(1);
  });

  it('a checkout that hits a stock conflict names the short line', async () => {
    const page = await newPage();
    const product = await sneaker();
    await shopperAtCheckout(page, '재고부족', uniqueEmail('short'), product.id, 3);
    const stock = (await stack.sql<{ stock: number }[]>`SELECT stock FROM products WHERE id = ${product.id}`)[0]!.stock;
    await stack.sql`UPDATE products SET stock = 1 WHERE id = ${product.id}`;
    try {
      await page.reload();
      await fillCheckout(page);
      await page.getByRole('button', { name: '주문하기' }).click();
      await page.getByRole('alert').getByText(`${product.name}: 1개 남음 (요청 3개)`).waitFor();
      await shot(page, 'checkout-conflict');
    } finally {
      await stack.sql`UPDATE products SET stock = ${stock} WHERE id = ${product.id}`;
    }
  });

  it('a declined card says so in words; another card then places the order', async () => {
    const page = await newPage();
    const product = await sneaker();
    const email = uniqueEmail('declined');
    await shopperAtCheckout(page, '거절', email, product.id);
    await page.reload();
    await fillCheckout(page, '4000 0000 0000 0002');
    await page.getByRole('button', { name: '주문하기' }).click();
    await page.getByRole('alert').getByText('카드 결제가 거절되었습니다. 다른 카드로 다시 시도해 주세요.').waitFor();

    await page.getByLabel('카드 번호').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: '주문하기' }).click();
    await page.getByRole('heading', { name: '주문이 완료되었습니다' }).waitFor();
    const statuses = (await ordersOf(email)).map((o) => o.status).sort();
    expect(statuses).toEqual(['payment_declined', 'placed']);
  });

  it('buy now (바로 구매): the order holds only that product, and the cart keeps what was in it', async () => {
    const page = await newPage();
    const product = await sneaker();
    const [other] = await stack.sql<{ id: number; name: string }[]>`
      SELECT id::int, name FROM products WHERE active AND stock >= 5 AND id <> ${product.id} ORDER BY id LIMIT 1`;
    const email = uniqueEmail('buynow');
    await page.goto('/register');
    await register(page, '바로구매', email);
    await page.getByRole('button', { name: '로그아웃' }).waitFor();
    const added = await page.request.post('/api/cart/items', { data: { productId: other!.id, quantity: 1 }, headers: { Origin: stack.baseUrl } });
    expect(added.status()).toBe(200);

    await page.goto(`/p/${product.slug}`);
    await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
    await page.getByLabel('수량').fill('2');
    await page.getByRole('button', { name: '바로 구매' }).click();
    await page.waitForURL((url) => url.pathname === '/checkout' && url.searchParams.get('buy') === product.slug);

    // The summary is the one product, not the cart, and a reload keeps it.
    const summary = page.getByRole('region', { name: '주문 요약' });
    await summary
      .getByText(won(product.price_won * 2))
      .first()
      .waitFor();
    await page.reload();
    await summary
      .getByText(won(product.price_won * 2))
      .first()
      .waitFor();
    expect(await summary.getByRole('listitem').allTextContents()).toEqual([expect.stringContaining(product.name)]);
    expect(await summary.textContent()).not.toContain(other!.name);

    await fillCheckout(page);
    await shot(page, 'checkout-buy-now');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '주문하기' }).click();
    await page.getByRole('heading', { name: '주문이 완료되었습니다' }).waitFor();

    const lines = await stack.sql<{ product_id: number; quantity: number; status: string }[]>`
      SELECT l.product_id::int, l.quantity, o.status
      FROM orders o JOIN users u ON u.id = o.user_id JOIN order_lines l ON l.order_id = o.id
      WHERE lower(u.email) = lower(${email})`;
    expect(lines).toEqual([{ product_id: product.id, quantity: 2, status: 'placed' }]);
    const cart = await stack.sql<{ product_id: number; quantity: number }[]>`
      SELECT i.product_id::int, i.quantity
      FROM cart_items i JOIN carts c ON c.id = i.cart_id JOIN users u ON u.id = c.user_id
      WHERE lower(u.email) = lower(${email})`;
    expect(cart).toEqual([{ product_id: other!.id, quantity: 1 }]);
  });

  it('a visitor who clicks 바로 구매 logs in first and comes back to the same buy now', async () => {
    const page = await newPage();
    const product = await sneaker();
    await page.goto(`/p/${product.slug}`);
    await page.getByLabel('수량').fill('3');
    await page.getByRole('button', { name: '바로 구매' }).click();
    await page.waitForURL((url) => url.pathname === '/login' && (url.searchParams.get('next') ?? '').startsWith('/checkout?buy='));
    await page.getByText('주문하려면 로그인하세요.').waitFor();
    await page.getByRole('main').getByRole('link', { name: '회원가입' }).click();
    await register(page, '방문자', uniqueEmail('visitor-buynow'));
    await page.waitForURL((url) => url.pathname === '/checkout' && url.searchParams.get('buy') === product.slug && url.searchParams.get('qty') === '3');
    const summary = page.getByRole('region', { name: '주문 요약' });
    await summary.getByText(product.name).waitFor();
    await summary
      .getByText(won(product.price_won * 3))
      .first()
      .waitFor();
  });

  it('staff: login → create a product with an image → it is in the shop → stock 0 → the shop shows sold out', async () => {
    const admin = await newPage();
    await admin.goto('/login?next=/admin');
    await admin.getByLabel('이메일').fill(ADMIN.email);
    await admin.getByLabel('비밀번호').fill(ADMIN.password);
    await admin.getByRole('button', { name: '로그인' }).click();
    await admin.waitForURL((url) => url.pathname === '/admin');
    await admin.getByRole('table').waitFor();
    await shot(admin, 'admin-products');
    expect(await axeViolations(admin)).toEqual([]);

    const slug = `e2e-lamp-${Date.now()}`;
    await admin.getByRole('link', { name: '새 상품' }).click();
    await admin.getByLabel('상품명 (한국어)').fill('무드등 E2E');
    await admin.getByLabel('상품명 (영어)').fill('Mood lamp E2E');
    await admin.getByLabel('SKU').fill(slug.toUpperCase());
    await admin.getByLabel('주소 이름 (slug)').fill(slug);
    await admin.getByLabel('가격 (원)').fill('12900');
    await admin.getByLabel('재고').fill('3');
    await admin.getByLabel('카테고리').selectOption({ index: 1 });
    await admin.getByLabel('설명').fill('따뜻한 빛의 무드등입니다.');
    await admin.getByLabel('상품 이미지').setInputFiles({ name: 'lamp.png', mimeType: 'image/png', buffer: makePng() });
    await admin.getByRole('img', { name: '업로드할 이미지 미리보기' }).waitFor();
    await admin.getByRole('button', { name: '상품 등록' }).click();
    await admin.getByRole('heading', { name: '상품 수정: 무드등 E2E' }).waitFor();
    await admin.getByRole('img', { name: '무드등 E2E 이미지 1' }).waitFor();
    await shot(admin, 'admin-edit');
    expect(await axeViolations(admin)).toEqual([]);

    const shopper = await newPage({ width: 390, height: 844 });
    await shopper.goto(`/p/${slug}`);
    await shopper.getByRole('heading', { level: 1, name: '무드등 E2E' }).waitFor();
    await shopper.getByText('₩12,900').first().waitFor();
    await shopper.getByText('3개 남음').first().waitFor();
    const src = await shopper.getByRole('img', { name: '무드등 E2E' }).getAttribute('src');
    expect(src).toMatch(/^\/media\//);
    await shot(shopper, 'product-phone');

    await admin.getByLabel('증감 수량 (예: -3, 10)').fill('2');
    await admin.getByLabel('사유').fill('입고');
    await admin.getByRole('button', { name: '재고 조정' }).click();
    await admin.getByTestId('admin-stock').getByText('5', { exact: true }).waitFor();
    expect((await stack.sql`SELECT reason FROM stock_adjustments WHERE reason = '입고'`).length).toBe(1);

    await admin.getByLabel('새 재고 수량').fill('0');
    await admin.getByRole('button', { name: '재고 설정' }).click();
    await admin.getByTestId('admin-stock').getByText('0', { exact: true }).waitFor();

    await shopper.reload();
    await shopper.getByText('품절').first().waitFor();
    await expect(shopper.getByRole('button', { name: '품절' }).isDisabled()).resolves.toBe(true);
    await expect(shopper.getByRole('button', { name: '바로 구매' }).isDisabled()).resolves.toBe(true);

    // A customer orders through the API; staff marks that order paid.
    const newest = await placeOrderThroughApi();
    await admin.getByRole('navigation', { name: '관리자 메뉴' }).getByRole('link', { name: '주문' }).click();
    await admin.getByRole('heading', { level: 1, name: '주문' }).waitFor();
    await admin.getByLabel(`주문 #${newest} 상태`).selectOption('paid');
    await admin.getByLabel(`주문 #${newest} 상태`).and(admin.locator(':not([disabled])')).waitFor();
    await expect.poll(async () => (await stack.sql`SELECT status FROM orders WHERE id = ${newest}`)[0]?.status).toBe('paid');
    await shot(admin, 'admin-orders');
    expect(await axeViolations(admin)).toEqual([]);
  });

  it('staff: the sales page charts what the sales feed recorded, and keeps the period in the URL', async () => {
    // What the sales feed (functions/src/consumers) would have written for three orders, two of them today (Asia/Seoul).
    const [today] = await stack.sql<{ day: string; twoDaysAgo: string }[]>`
      SELECT (now() AT TIME ZONE 'Asia/Seoul')::date::text AS day, ((now() AT TIME ZONE 'Asia/Seoul')::date - 2)::text AS "twoDaysAgo"`;
    const products = await stack.sql<{ id: number; category_id: number; name: string }[]>`
      SELECT id::int AS id, category_id::int AS category_id, name FROM products WHERE active ORDER BY id LIMIT 2`;
    const [first, second] = products;
    if (!today || !first || !second) throw new Error('the seed catalog has fewer than two products');
    await stack.sql`
      INSERT INTO analytics.daily_sales (day, product_id, category_id, units, revenue_won, orders) VALUES
        (${today.day}, ${first.id}, ${first.category_id}, 3, 90000, 2),
        (${today.twoDaysAgo}, ${second.id}, ${second.category_id}, 1, 45000, 1)`;
    await stack.sql`
      INSERT INTO analytics.order_sales (order_id, day, placed, cancelled) VALUES
        (900001, ${today.day}, true, false), (900002, ${today.day}, true, false), (900003, ${today.twoDaysAgo}, true, false)`;
    await stack.sql`
      INSERT INTO analytics.stock_low (event_id, product_id, sku, stock, low_units, at)
      SELECT 900001, id, sku, 3, 10, now() FROM products WHERE id = ${first.id}`;

    const admin = await newPage();
    await admin.goto('/login?next=/admin');
    await admin.getByLabel('이메일').fill(ADMIN.email);
    await admin.getByLabel('비밀번호').fill(ADMIN.password);
    await admin.getByRole('button', { name: '로그인' }).click();
    await admin.waitForURL((url) => url.pathname === '/admin');
    await admin.getByRole('navigation', { name: '관리자 메뉴' }).getByRole('link', { name: '매출' }).click();
    await admin.getByRole('heading', { level: 1, name: '매출' }).waitFor();
    const totals = admin.getByRole('region', { name: '기간 합계' });
    await expect.poll(() => totals.getByRole('definition').allTextContents()).toEqual(['₩135,000', '4개', '3']);
    expect(await admin.getByRole('img', { name: /^일별 매출액/ }).getAttribute('aria-label')).toContain('합계 ₩135,000');
    expect(
      await admin
        .getByRole('img', { name: /^일별 매출액/ })
        .locator('rect')
        .count(),
    ).toBe(30);
    await admin.getByRole('region', { name: '많이 팔린 상품' }).getByRole('link', { name: first.name }).waitFor();
    await admin.getByRole('region', { name: '재고 부족 알림' }).getByRole('link', { name: first.name }).waitFor();
    await shot(admin, 'admin-sales');
    expect(await axeViolations(admin)).toEqual([]);

    await admin.getByLabel('기간', { exact: true }).selectOption('7');
    await admin.waitForURL((url) => url.searchParams.get('days') === '7');
    await expect
      .poll(() =>
        admin
          .getByRole('img', { name: /^일별 판매 수량/ })
          .locator('rect')
          .count(),
      )
      .toBe(7);
    await admin.reload();
    await expect
      .poll(() =>
        admin
          .getByRole('img', { name: /^일별 판매 수량/ })
          .locator('rect')
          .count(),
      )
      .toBe(7);
    expect(await admin.getByLabel('기간', { exact: true }).inputValue()).toBe('7');
  });

  it('a customer cannot open /admin, and a visitor is sent to login', async () => {
    const page = await newPage();
    await page.goto('/admin');
    await page.waitForURL(/\/login\?next=%2Fadmin/);
    await page.getByRole('main').getByRole('link', { name: '회원가입' }).click();
    await register(page, '고객', uniqueEmail('customer'));
    await page.waitForURL((url) => url.pathname === '/admin');
    await page.getByText('관리자만 볼 수 있는 페이지입니다.').waitFor();
    expect(await page.getByRole('table').count()).toBe(0);
    const api = await page.request.get('/api/admin/products');
    expect(api.status()).toBe(403);

    await page.getByRole('button', { name: '로그아웃' }).click();
    await page.getByRole('navigation', { name: '주요 메뉴' }).getByRole('link', { name: '로그인' }).waitFor();
    expect((await page.request.get('/api/auth/me')).status()).toBe(401);
  });

  it('browse a category on a phone: sort by price and turn the page', async () => {
    const page = await newPage({ width: 390, height: 844 });
    await page.goto('/');
    const chips = page.getByRole('navigation', { name: '카테고리' });
    const first = chips.getByRole('link').first();
    const name = (await first.textContent())!;
    await first.click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    const grid = page.getByRole('list', { name });
    await grid.getByRole('listitem').first().waitFor();

    await page.getByLabel('정렬').selectOption('price_asc');
    await page.waitForURL(/sort=price_asc/);
    // The URL changes before the re-sorted page arrives: wait for the grid itself to be sorted.
    const gridPrices = async () => (await grid.locator('.product-card-price').allTextContents()).map((p) => Number(p.replace(/[^0-9]/g, '')));
    await expect
      .poll(
        async () => {
          const prices = await gridPrices();
          return prices.length > 1 && prices.every((p, i) => i === 0 || prices[i - 1]! <= p);
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await shot(page, 'category-phone');
    expect(await axeViolations(page)).toEqual([]);

    const next = page.getByRole('button', { name: '다음' });
    if (await next.isVisible()) {
      await next.click();
      await page.waitForURL(/page=2/);
      await page.getByText(/2 \/ \d+ 페이지/).waitFor();
    }
  });

  it("a visitor's cart is merged into the account at login", async () => {
    const page = await newPage();
    const product = await sneaker();
    const email = uniqueEmail('merge');
    const password = 'merge-password-1';
    await page.goto('/register');
    await register(page, '합치기', email, password);
    await page.getByRole('button', { name: '로그아웃' }).click();
    await page.getByRole('navigation', { name: '주요 메뉴' }).getByRole('link', { name: '로그인' }).waitFor();

    await page.goto(`/p/${product.slug}`);
    await page.getByRole('button', { name: '장바구니에 담기' }).click();
    await page.getByText('장바구니에 담았습니다.').waitFor();
    await page.goto('/login?next=/cart');
    await page.getByLabel('이메일').fill(email);
    await page.getByLabel('비밀번호').fill(password);
    await page.getByRole('button', { name: '로그인' }).click();
    await page.waitForURL((url) => url.pathname === '/cart');
    await expect(page.getByLabel(`${product.name} 수량`).inputValue()).resolves.toBe('1');
  });

  it('a page whose code cannot be loaded shows the route error boundary, not a blank page', async () => {
    const page = await newPage();
    await page.goto('/');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.route(/\/assets\/cart-[^/]*\.js$/, (route) => route.abort('connectionrefused'));
    await page
      .getByRole('navigation', { name: '주요 메뉴' })
      .getByRole('link', { name: /장바구니/ })
      .click();
    await page.getByRole('heading', { level: 1, name: '문제가 생겼습니다' }).waitFor();
    await page.getByText('페이지를 불러오지 못했습니다.', { exact: false }).waitFor();
    await page.getByRole('button', { name: '다시 시도' }).waitFor();
    await page.getByRole('link', { name: '홈으로' }).waitFor();
    await shot(page, 'route-error');
  });

  it('works from the keyboard: skip link, search, and adding to the cart without a mouse', async () => {
    const page = await newPage();
    const product = await sneaker();
    await page.goto('/');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('본문으로 건너뛰기');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('search');
    await page.keyboard.type(product.name);
    await page.waitForURL(/\/search\?q=/);
    const link = page.getByRole('main').getByRole('link', { name: product.name });
    await link.waitFor();
    // Tab through the page until the product link has focus, then follow it with Enter.
    for (let i = 0; i < 40 && !(await link.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
    const add = page.getByRole('button', { name: '장바구니에 담기' });
    for (let i = 0; i < 40 && !(await add.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('장바구니에 담았습니다.').waitFor();
  });

  it('says so when the API is unreachable, keeps the page, and recovers by itself', async () => {
    const page = await newPage();
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.goto('/');
    await page.getByText('쇼핑몰 서버에 연결할 수 없습니다. 다시 연결하는 중…').waitFor();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('언제나 열려 있는 쇼핑몰');
    await shot(page, 'offline');
    await page.unroute('**/api/**');
    await page.getByRole('list', { name: '새로 들어온 상품' }).getByRole('listitem').first().waitFor({ timeout: 30_000 });
    await page.getByText('쇼핑몰 서버에 연결할 수 없습니다. 다시 연결하는 중…').waitFor({ state: 'detached' });
  });

  it('switches to English and back', async () => {
    const page = await newPage();
    await page.goto('/');
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByRole('heading', { level: 1, name: 'The shop that stays open' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'The shop that stays open' }).waitFor();
    await page.getByRole('list', { name: 'New arrivals' }).getByRole('listitem').first().waitFor();
    await shot(page, 'home-en');
    await page.getByRole('button', { name: '한국어로 보기' }).click();
    await page.getByRole('heading', { level: 1, name: '언제나 열려 있는 쇼핑몰' }).waitFor();
  });
});

describe('paying through Toss Payments (the local stand-in) in Chromium', () => {
  let toss: Stack;
  let standin: TossStandin;

  beforeAll(async () => {
    standin = await startTossStandin();
    toss = await startStack({
      shopEnv: {
        PAYMENT_PROVIDER: 'toss',
        TOSS_API_URL: standin.url,
        TOSS_SDK_URL: standin.sdkUrl,
        TOSS_CLIENT_KEY: standin.clientKey,
        TOSS_SECRET_KEY: standin.secretKey,
      },
    });
  });

  afterAll(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
    await toss?.stop();
    await standin?.close();
  });

  /** A new shopper at checkout with two of a sneaker in the cart, the address filled, and "Place order" pressed: they are in Toss's window. */
  async function shopperInTossWindow(who: string) {
    const page = await newPage(undefined, toss);
    const product = await sneaker(10, toss);
    const email = uniqueEmail(who);
    await shopperAtCheckout(page, who, email, product.id, 2, toss);
    await page.reload();
    await page.getByText('주문하면 토스페이먼츠 결제창이 열리고, 그곳에서 결제합니다.').waitFor();
    expect(await page.getByLabel('카드 번호').count()).toBe(0);
    await fillAddress(page);
    await page.getByRole('button', { name: '주문하기' }).click();
    await page.waitForURL((url) => url.origin === standin.url && url.pathname === '/pay');
    const [order] = await ordersOf(email, toss);
    expect(order).toMatchObject({ status: 'pending_payment', total_won: product.price_won * 2 });
    await expect(page.locator('#amount').textContent()).resolves.toBe(`${(product.price_won * 2).toLocaleString('ko-KR')}원`);
    return { page, product, email, orderId: Number(order!.id) };
  }

  async function pay(page: Page, card: string) {
    await page.getByLabel('Card number').fill(card);
    await page.getByRole('button', { name: 'Pay' }).click();
  }

  it('a shopper pays in the window and comes back to the order placed', async () => {
    const { page, email, orderId } = await shopperInTossWindow('toss-approve');
    await shot(page, 'toss-window');
    await pay(page, TOSS_STANDIN_CARDS.approve);
    await page.waitForURL((url) => url.pathname === `/orders/${orderId}` && url.searchParams.get('placed') === '1');
    await page.getByRole('heading', { name: '주문이 완료되었습니다' }).waitFor();
    await expect(page.getByTestId('order-status').textContent()).resolves.toBe('주문 접수');
    await shot(page, 'toss-placed');
    expect(await axeViolations(page)).toEqual([]);

    expect((await ordersOf(email, toss)).map((o) => o.status)).toEqual(['placed']);
    const payments = standin.payments().filter((p) => p.orderId === `evermall-order-${orderId}`);
    expect(payments.map((p) => [p.status, p.confirmCalls])).toEqual([['DONE', 1]]);
  });

  it('a declined card says so on the return page, and the cart is given back', async () => {
    const { page, product, email } = await shopperInTossWindow('toss-decline');
    await pay(page, TOSS_STANDIN_CARDS.decline);
    await page.waitForURL((url) => url.pathname === '/checkout/payment/success');
    await page.getByRole('alert').getByText('카드 결제가 거절되었습니다. 다른 카드로 다시 시도해 주세요.').waitFor();
    await shot(page, 'toss-declined');
    expect(await axeViolations(page)).toEqual([]);
    expect((await ordersOf(email, toss)).map((o) => o.status)).toEqual(['payment_declined']);

    await page.getByRole('link', { name: '장바구니로 돌아가기' }).click();
    await page.getByRole('heading', { level: 1, name: '장바구니' }).waitFor();
    await expect(page.getByLabel(`${product.name} 수량`).inputValue()).resolves.toBe('2');
  });

  it('a shopper who cancels lands on the fail page, and "Try again" pays the same order', async () => {
    const { page, email, orderId } = await shopperInTossWindow('toss-cancel');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.pathname === '/checkout/payment/fail');
    await page.getByRole('heading', { level: 1, name: '결제가 완료되지 않았습니다' }).waitFor();
    await expect(page.getByTestId('provider-message').textContent()).resolves.toBe('토스페이먼츠: 사용자에 의해 결제가 취소되었습니다.');
    await page.getByRole('button', { name: '다시 결제하기' }).waitFor();
    await shot(page, 'toss-cancelled');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: '다시 결제하기' }).click();
    await page.waitForURL((url) => url.origin === standin.url && url.pathname === '/pay');
    await pay(page, TOSS_STANDIN_CARDS.approve);
    await page.waitForURL((url) => url.pathname === `/orders/${orderId}`);
    await page.getByRole('heading', { name: '주문이 완료되었습니다' }).waitFor();
    const orders = await ordersOf(email, toss);
    expect(orders.map((o) => [Number(o.id), o.status])).toEqual([[orderId, 'placed']]);
  });

  it('an order waiting for its payment shows how long it is reserved and "Pay now" on its page', async () => {
    const { page, orderId } = await shopperInTossWindow('toss-pay-now');
    await page.goto(`${toss.baseUrl}/orders/${orderId}`);
    await expect(page.getByTestId('order-status').textContent()).resolves.toBe('결제 대기');
    await page.getByText(/까지 상품을 확보해 두었습니다/).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '지금 결제하기' }).click();
    await page.waitForURL((url) => url.origin === standin.url && url.pathname === '/pay');
    await pay(page, TOSS_STANDIN_CARDS.approve);
    await page.getByRole('heading', { name: '주문이 완료되었습니다' }).waitFor();
  });
});

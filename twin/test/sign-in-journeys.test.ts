import { randomBytes } from 'node:crypto';
import { launchChromium, TOSS_STANDIN_CARDS } from '@evermall/testkit';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningTwin } from '../src/index.js';
import { startTestTwin, type TestTwin } from './test-twin.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

/**
 * Issue 13's "done when": sign-in with the social stand-in in a real Chromium, through the
 * twin's front door. The whole redirect chain is the twin's: the storefront (front door) → the
 * shop's start (an instance, through HAProxy) → the user pool (Cognito stand-in, 127.0.0.2) → the
 * Kakao stand-in (127.0.0.3) → the pool → the shop's callback → the storefront; payment goes
 * through the Toss Payments stand-in's window. No user is seeded: each journey makes its own
 * Kakao account on the stand-in's sign-up page, as a person would.
 */
describe('signing in with Kakao in Chromium, through the twin', () => {
  let testTwin: TestTwin | undefined;
  let twin: RunningTwin;
  let front: string;
  let browser: Browser | undefined;
  let sql: postgres.Sql | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    testTwin = await startTestTwin();
    twin = testTwin.twin;
    front = twin.urls.frontDoor;
    sql = postgres(twin.parts.database.writerUrl, { max: 1, onnotice: () => undefined });
    browser = await launchChromium();
  }, 240_000);

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await sql?.end({ timeout: 5 });
    await testTwin?.stop();
  }, 120_000);

  /** A browser of its own (cookies, the pool's and Kakao's sessions), in Korean, that remembers every address it was sent to, redirects included. */
  async function newShopper(): Promise<{ page: Page; visited: URL[] }> {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ baseURL: front, locale: 'ko-KR' });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    const visited: URL[] = [];
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) visited.push(new URL(request.url()));
    });
    return { page, visited };
  }

  const kakaoOrigin = () => twin.parts.identity.socialIdp.issuer;
  const newKakaoAccount = () => ({ email: `kakao-${randomBytes(5).toString('hex')}@example.test`, name: '김카카오', password: 'kakao-password-1' });
  const atStorefront = (path: string) => (url: URL) => url.origin === front && url.pathname === path;

  /** The header says who is in: the orders link and "로그아웃" for a signed-in shopper. */
  async function expectSignedIn(page: Page) {
    await page.getByRole('button', { name: '로그아웃' }).waitFor();
    const me = await page.request.get('/api/auth/me');
    expect(me.status()).toBe(200);
    return ((await me.json()) as { user: { id: number; email: string } }).user;
  }

  async function signOut(page: Page) {
    await page.getByRole('button', { name: '로그아웃' }).click();
    await page.getByRole('link', { name: '로그인' }).first().waitFor();
    expect((await page.request.get('/api/auth/me')).status()).toBe(401);
  }

  /** On the Kakao stand-in's sign-in page: "Create account" there, which signs the new account in and sends the browser back. */
  async function createKakaoAccount(page: Page, account: { email: string; name: string; password: string }) {
    await page.waitForURL((url) => url.origin === kakaoOrigin());
    await page.getByRole('heading', { name: '카카오로 로그인' }).waitFor();
    await page.getByRole('link', { name: 'Create account' }).click();
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Name').fill(account.name);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Create account' }).click();
  }

  /** A product page, an item in the cart, checkout with an address, Toss's window, paid: the placed order's id. */
  async function buySomething(page: Page): Promise<number> {
    const list = (await (await page.request.get('/api/products?limit=20')).json()) as { items: { slug: string; stock: number }[] };
    const product = list.items.find((p) => p.stock > 0);
    if (!product) throw new Error('the seeded catalog has nothing in stock');
    await page.goto(`/p/${product.slug}`);
    await page.getByRole('button', { name: '장바구니에 담기' }).click();
    await page.getByText('장바구니에 담았습니다.').waitFor();
    await page.goto('/checkout');
    await page.getByLabel('받는 분').fill('김카카오');
    await page.getByLabel('연락처').fill('010-1234-5678');
    await page.getByLabel('우편번호').fill('04524');
    await page.getByLabel('주소', { exact: true }).fill('서울특별시 중구 세종대로 110');
    await page.getByRole('button', { name: '주문하기' }).click();
    const payments = (await twin.client.status()).payments.url;
    await page.waitForURL((url) => url.origin === payments && url.pathname === '/pay');
    await page.getByLabel('Card number').fill(TOSS_STANDIN_CARDS.approve);
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL((url) => url.origin === front && /^\/orders\/\d+$/.test(url.pathname) && url.searchParams.get('placed') === '1');
    await page.getByRole('heading', { name: '주문이 완료되었습니다' }).waitFor();
    return Number(new URL(page.url()).pathname.split('/').pop());
  }

  /** Accounts and linked identities for an email, as the shop's database holds them. */
  async function accountsOf(email: string) {
    if (!sql) throw new Error('no database');
    return sql<{ id: string; identities: number; has_password: boolean }[]>`
      SELECT u.id, (SELECT count(*)::int FROM user_identities i WHERE i.user_id = u.id) AS identities, u.password_hash IS NOT NULL AS has_password
      FROM users u WHERE lower(u.email) = lower(${email})`;
  }

  it('a new shopper starts with Kakao, buys something, signs out, starts with Kakao again and sees the same order', async () => {
    const { page, visited } = await newShopper();
    const kakao = newKakaoAccount();
    await page.goto('/login');
    const start = page.getByRole('link', { name: '카카오로 시작하기' });
    expect(await start.getAttribute('href')).toBe('/api/auth/oidc/kakao/start?next=%2F');
    await start.click();
    await createKakaoAccount(page, kakao);
    await page.waitForURL(atStorefront('/'));
    const first = await expectSignedIn(page);
    expect(first.email).toBe(kakao.email);
    // The chain went through the pool and the Kakao stand-in, and came back through the shop's callback.
    const origins = new Set(visited.map((u) => u.origin));
    expect(origins).toContain(twin.parts.identity.userPool.issuer);
    expect(origins).toContain(kakaoOrigin());
    expect(visited.some((u) => u.origin === front && u.pathname === '/api/auth/oidc/callback')).toBe(true);

    const orderId = await buySomething(page);
    await signOut(page);

    await page.goto('/login');
    const atKakaoBefore = visited.filter((u) => u.origin === kakaoOrigin()).length;
    await page.getByRole('link', { name: '카카오로 시작하기' }).click();
    await page.waitForURL(atStorefront('/'));
    const again = await expectSignedIn(page);
    expect(again.id).toBe(first.id);
    // The pool still knew this browser: it did not send it to Kakao the second time.
    expect(visited.filter((u) => u.origin === kakaoOrigin()).length).toBe(atKakaoBefore);

    await page.getByRole('link', { name: '주문 내역' }).click();
    await page.getByRole('link', { name: `주문 #${orderId} 보기` }).waitFor();
    expect(await accountsOf(kakao.email)).toEqual([{ id: String(first.id), identities: 1, has_password: false }]);
  });

  it('a shopper with an email and password account links Kakao with that email by entering the password, and Kakao signs straight in after', async () => {
    const { page, visited } = await newShopper();
    const kakao = newKakaoAccount();
    const localPassword = `local-${randomBytes(6).toString('hex')}`;
    await page.goto('/register');
    await page.getByLabel('이름').fill('이로컬');
    await page.getByLabel('이메일').fill(kakao.email);
    await page.getByLabel('비밀번호').fill(localPassword);
    await page.getByRole('button', { name: '가입하기' }).click();
    await page.waitForURL(atStorefront('/'));
    const local = await expectSignedIn(page);
    await signOut(page);

    await page.goto('/login');
    await page.getByRole('link', { name: '카카오로 시작하기' }).click();
    await createKakaoAccount(page, kakao);
    // Never silently: the shop asks for the local account's password first.
    await page.waitForURL(atStorefront('/login/link'));
    expect(new URL(page.url()).searchParams.get('provider')).toBe('kakao');
    await page.getByText('카카오 계정의 이메일 주소로 가입된 Evermall 계정이 이미 있습니다', { exact: false }).waitFor();
    expect((await page.request.get('/api/auth/me')).status()).toBe(401);
    expect(await accountsOf(kakao.email)).toEqual([{ id: String(local.id), identities: 0, has_password: true }]);

    await page.getByLabel('비밀번호').fill('not-the-password');
    await page.getByRole('button', { name: '연결하고 로그인' }).click();
    await page.getByText('비밀번호가 맞지 않습니다. 다시 입력해 주세요.').waitFor();
    await page.getByLabel('비밀번호').fill(localPassword);
    await page.getByRole('button', { name: '연결하고 로그인' }).click();
    await page.waitForURL(atStorefront('/'));
    expect((await expectSignedIn(page)).id).toBe(local.id);
    expect(await accountsOf(kakao.email)).toEqual([{ id: String(local.id), identities: 1, has_password: true }]);

    await signOut(page);
    const linkPagesBefore = visited.filter((u) => u.pathname === '/login/link').length;
    await page.goto('/login');
    await page.getByRole('link', { name: '카카오로 시작하기' }).click();
    await page.waitForURL(atStorefront('/'));
    expect((await expectSignedIn(page)).id).toBe(local.id);
    expect(visited.filter((u) => u.pathname === '/login/link').length).toBe(linkPagesBefore);
  });
});

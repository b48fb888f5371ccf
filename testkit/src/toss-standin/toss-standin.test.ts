import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { startTossStandin, TOSS_STANDIN_CARDS, type TossStandin, type TossStandinOptions } from './toss-standin.js';

const SHOP = 'http://127.0.0.1:9/checkout';
const running: TossStandin[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((standin) => standin.close()));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: TossStandinOptions = {}): Promise<TossStandin> {
  const standin = await startTossStandin(options);
  running.push(standin);
  return standin;
}

function basic(secretKey: string): string {
  return `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function api(standin: TossStandin, method: string, route: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(standin.url + route, {
    method,
    headers: { authorization: basic(standin.secretKey), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const confirm = (standin: TossStandin, p: { paymentKey: string; orderId: string; amount: number }, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  api(standin, 'POST', '/v1/payments/confirm', p, headers, signal);

/** The window's Pay, as a browser's form post: the redirect it answers with. */
async function payForm(standin: TossStandin, fields: Record<string, string>): Promise<Response> {
  return fetch(`${standin.url}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ clientKey: standin.clientKey, orderName: 'Socks', successUrl: `${SHOP}/success`, failUrl: `${SHOP}/fail`, ...fields }),
    redirect: 'manual',
  });
}

async function authorized(standin: TossStandin, card: string = TOSS_STANDIN_CARDS.approve, orderId = `order-${Math.random().toString(36).slice(2, 10)}`) {
  const amount = 15_000;
  const { paymentKey } = await standin.authorize({ orderId, amount, orderName: 'Socks', card });
  return { paymentKey, orderId, amount };
}

const statusOf = (standin: TossStandin, paymentKey: string) => standin.payments().find((p) => p.paymentKey === paymentKey);

describe('the payment window', () => {
  it('shows the order escaped, with a card field, Pay and Cancel', async () => {
    const standin = await start();
    const query = new URLSearchParams({
      clientKey: standin.clientKey,
      orderId: 'evermall-order-1',
      amount: '15000',
      orderName: '<script>alert("x")</script> & 양말',
      successUrl: `${SHOP}/success`,
      failUrl: `${SHOP}/fail`,
    });
    const res = await fetch(`${standin.url}/pay?${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 양말');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('15,000원');
    expect(html).toMatch(/<label for="card">Card number<\/label>\s*<input id="card" name="card"/);
    expect(html).toContain('>Pay</button>');
    expect(html).toContain('>Cancel</button>');
    expect(html).toContain('<form method="post" action="/pay">');
  });

  it('refuses a window opened with an unknown clientKey, a bad amount or orderId, or a relative return URL, saying which', async () => {
    const standin = await start();
    const good = { clientKey: standin.clientKey, orderId: 'evermall-order-1', amount: '15000', orderName: 'Socks', successUrl: `${SHOP}/s`, failUrl: `${SHOP}/f` };
    const cases: [Record<string, string>, string][] = [
      [{ clientKey: 'test_ck_other' }, 'clientKey'],
      [{ amount: '-5' }, 'amount'],
      [{ amount: '12.5' }, 'amount'],
      [{ orderId: 'abc' }, 'orderId'],
      [{ orderId: 'evermall order 1' }, 'orderId'],
      [{ successUrl: '/checkout/success' }, 'successUrl'],
      [{ failUrl: 'javascript:alert(1)' }, 'failUrl'],
    ];
    for (const [change, named] of cases) {
      const res = await fetch(`${standin.url}/pay?${new URLSearchParams({ ...good, ...change })}`);
      expect(res.status, JSON.stringify(change)).toBe(400);
      expect(await res.text()).toContain(named);
    }
    expect(standin.payments()).toEqual([]);
  });

  it('Pay answers 303 to the successUrl with paymentKey, orderId, amount and paymentType, and holds an IN_PROGRESS payment', async () => {
    const standin = await start();
    const res = await payForm(standin, { orderId: 'evermall-order-7', amount: '15000', card: '4242 4242-4242 4242', successUrl: `${SHOP}/success?step=2` });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(`${SHOP}/success`);
    expect(location.searchParams.get('step')).toBe('2');
    expect(location.searchParams.get('orderId')).toBe('evermall-order-7');
    expect(location.searchParams.get('amount')).toBe('15000');
    expect(location.searchParams.get('paymentType')).toBe('NORMAL');
    const [payment] = standin.payments();
    expect(payment).toMatchObject({
      paymentKey: location.searchParams.get('paymentKey'),
      orderId: 'evermall-order-7',
      totalAmount: 15000,
      status: 'IN_PROGRESS',
      card: '42424242****424*',
      confirmCalls: 0,
    });
  });

  it('Cancel and a bad card number go to the failUrl with Toss codes; a paid order cannot be paid again', async () => {
    const standin = await start();
    const canceled = new URL((await payForm(standin, { orderId: 'evermall-order-8', amount: '100', card: '', action: 'cancel' })).headers.get('location') ?? '');
    expect(canceled.pathname).toBe('/checkout/fail');
    expect(canceled.searchParams.get('code')).toBe('PAY_PROCESS_CANCELED');
    expect(canceled.searchParams.get('orderId')).toBe('evermall-order-8');
    expect(canceled.searchParams.get('message')).toBeTruthy();
    const badCard = new URL((await payForm(standin, { orderId: 'evermall-order-8', amount: '100', card: '4242' })).headers.get('location') ?? '');
    expect(badCard.searchParams.get('code')).toBe('INVALID_CARD_NUMBER');
    expect(standin.payments()).toEqual([]);

    const paid = await authorized(standin, TOSS_STANDIN_CARDS.approve, 'evermall-order-8');
    expect((await confirm(standin, { ...paid, amount: 15_000 })).status).toBe(200);
    const again = new URL((await payForm(standin, { orderId: 'evermall-order-8', amount: '15000', card: TOSS_STANDIN_CARDS.approve })).headers.get('location') ?? '');
    expect(again.searchParams.get('code')).toBe('ALREADY_PROCESSED_PAYMENT');
    await expect(standin.authorize({ orderId: 'evermall-order-8', amount: 15_000, orderName: 'Socks', card: TOSS_STANDIN_CARDS.approve })).rejects.toMatchObject({
      code: 'ALREADY_PROCESSED_PAYMENT',
    });
  });

  it('takes the same fields as JSON from a headless client', async () => {
    const standin = await start();
    const res = await fetch(`${standin.url}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        clientKey: standin.clientKey,
        orderId: 'evermall-order-9',
        amount: 2500,
        orderName: 'Hat',
        successUrl: `${SHOP}/s`,
        failUrl: `${SHOP}/f`,
        card: TOSS_STANDIN_CARDS.approve,
      }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('amount')).toBe('2500');
  });
});

describe('the SDK shim', () => {
  it('is served as cross-origin JavaScript whose requestPayment sends the browser to the window', async () => {
    const standin = await start();
    const res = await fetch(standin.sdkUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const window: Record<string, unknown> = {};
    const location = { href: `${SHOP}/cart` };
    runInNewContext(await res.text(), { window, location, URLSearchParams });
    const TossPayments = window.TossPayments as (clientKey: string) => {
      payment(init: { customerKey: string }): { requestPayment(opts: unknown): Promise<void> };
    };
    void TossPayments(standin.clientKey)
      .payment({ customerKey: 'user-1' })
      .requestPayment({
        method: 'CARD',
        amount: { currency: 'KRW', value: 15000 },
        orderId: 'evermall-order-3',
        orderName: 'Socks',
        successUrl: `${SHOP}/s`,
        failUrl: `${SHOP}/f`,
      });
    expect(location.href.startsWith(`${standin.url}/pay?`)).toBe(true);
    const page = await fetch(location.href);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('15,000원');
  });
});

describe('POST /v1/payments/confirm', () => {
  it('confirms an approved card: DONE, a Toss Payment object, found by paymentKey and by orderId', async () => {
    const standin = await start();
    const p = await authorized(standin);
    const { status, body } = await confirm(standin, p);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      mId: 'tosspayments',
      paymentKey: p.paymentKey,
      orderId: p.orderId,
      orderName: 'Socks',
      status: 'DONE',
      totalAmount: 15000,
      balanceAmount: 15000,
      method: '카드',
      card: { number: '42424242****424*' },
      cancels: null,
    });
    expect(body.approvedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
    expect((body.card as { approveNo: string }).approveNo).toMatch(/^\d{8}$/);
    expect((await api(standin, 'GET', `/v1/payments/${p.paymentKey}`)).body).toEqual(body);
    expect((await api(standin, 'GET', `/v1/payments/orders/${p.orderId}`)).body).toEqual(body);
    expect(statusOf(standin, p.paymentKey)).toMatchObject({ status: 'DONE', confirmCalls: 1 });
  });

  it('answers a duplicate confirm ALREADY_PROCESSED_PAYMENT, and replays the first answer for the same Idempotency-Key', async () => {
    const standin = await start();
    const p = await authorized(standin);
    const first = await confirm(standin, p, { 'idempotency-key': `confirm-${p.orderId}` });
    const replay = await confirm(standin, p, { 'idempotency-key': `confirm-${p.orderId}` });
    expect(first.status).toBe(200);
    expect(replay).toEqual(first);
    expect(statusOf(standin, p.paymentKey)?.confirmCalls).toBe(1);

    const duplicate = await confirm(standin, p);
    expect(duplicate).toMatchObject({ status: 400, body: { code: 'ALREADY_PROCESSED_PAYMENT' } });
    expect(statusOf(standin, p.paymentKey)).toMatchObject({ status: 'DONE', confirmCalls: 2 });
  });

  it('rejects a declined card with 403 REJECT_CARD_PAYMENT and leaves it ABORTED', async () => {
    const standin = await start();
    const p = await authorized(standin, TOSS_STANDIN_CARDS.decline);
    expect(await confirm(standin, p)).toMatchObject({ status: 403, body: { code: 'REJECT_CARD_PAYMENT' } });
    expect(await confirm(standin, p)).toMatchObject({ status: 403, body: { code: 'REJECT_CARD_PAYMENT' } });
    expect((await api(standin, 'GET', `/v1/payments/${p.paymentKey}`)).body).toMatchObject({ status: 'ABORTED', failure: { code: 'REJECT_CARD_PAYMENT' } });
  });

  it('answers the serverError card 500 without taking money, then confirms it; the 500 is not kept for its Idempotency-Key', async () => {
    const standin = await start();
    const p = await authorized(standin, TOSS_STANDIN_CARDS.serverError);
    const key = { 'idempotency-key': `confirm-${p.orderId}` };
    expect(await confirm(standin, p, key)).toMatchObject({ status: 500, body: { code: 'FAILED_INTERNAL_SYSTEM_PROCESSING' } });
    expect(statusOf(standin, p.paymentKey)?.status).toBe('IN_PROGRESS');
    expect(await confirm(standin, p, key)).toMatchObject({ status: 200, body: { status: 'DONE' } });
    expect(statusOf(standin, p.paymentKey)?.confirmCalls).toBe(2);
  });

  it('processes the timeout card but holds its answer: the client gives up, and the payment is DONE', async () => {
    const standin = await start({ slowResponseMs: 2000 });
    const p = await authorized(standin, TOSS_STANDIN_CARDS.timeout);
    await expect(confirm(standin, p, {}, AbortSignal.timeout(300))).rejects.toThrow(/abort|timeout/i);
    expect((await api(standin, 'GET', `/v1/payments/${p.paymentKey}`)).body).toMatchObject({ status: 'DONE' });
    expect(await confirm(standin, p)).toMatchObject({ status: 400, body: { code: 'ALREADY_PROCESSED_PAYMENT' } });
  });

  it('close() ends a held answer at once rather than waiting for it', async () => {
    // A hold far past the test's timeout: if close() waited for it, the test would time out.
    const standin = await start({ slowResponseMs: 600_000 });
    const p = await authorized(standin);
    standin.setFaults({ confirm: 'timeout', count: 1 });
    const pending = confirm(standin, p);
    await expect.poll(() => statusOf(standin, p.paymentKey)?.status).toBe('DONE');
    await standin.close();
    await expect(pending).rejects.toThrow();
  });

  it('applies faults set over HTTP to the next confirms, whatever the card', async () => {
    const standin = await start();
    const set = await fetch(`${standin.url}/__standin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ confirm: 'error', count: 2 }),
    });
    expect(set.status).toBe(200);
    const a = await authorized(standin);
    const b = await authorized(standin);
    expect((await confirm(standin, a)).status).toBe(500);
    expect((await confirm(standin, b)).status).toBe(500);
    expect((await confirm(standin, a)).status).toBe(200);
    expect((await confirm(standin, b)).status).toBe(200);
    const listed = (await (await fetch(`${standin.url}/__standin/payments`)).json()) as { status: string; confirmCalls: number }[];
    expect(listed.map((x) => [x.status, x.confirmCalls])).toEqual([
      ['DONE', 2],
      ['DONE', 2],
    ]);
    const bad = await fetch(`${standin.url}/__standin/faults`, { method: 'POST', body: JSON.stringify({ confirm: 'explode', count: 1 }) });
    expect(bad.status).toBe(400);
  });

  it('refuses a different amount or orderId with 400 INVALID_REQUEST and changes nothing', async () => {
    const standin = await start();
    const p = await authorized(standin);
    expect(await confirm(standin, { ...p, amount: 1 })).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(await confirm(standin, { ...p, orderId: 'evermall-order-other' })).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect((await api(standin, 'GET', `/v1/payments/${p.paymentKey}`)).body).toMatchObject({ status: 'IN_PROGRESS', totalAmount: 15000, approvedAt: null });
    expect((await confirm(standin, p)).status).toBe(200);
  });

  it('answers 404 NOT_FOUND_PAYMENT_SESSION for an unknown paymentKey', async () => {
    const standin = await start();
    expect(await confirm(standin, { paymentKey: 'tstandin_nope', orderId: 'evermall-order-1', amount: 1 })).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND_PAYMENT_SESSION' },
    });
  });
});

describe('the v1 API', () => {
  it('answers 401 UNAUTHORIZED_KEY without the secret key, or with another', async () => {
    const standin = await start();
    const p = await authorized(standin);
    expect(await api(standin, 'GET', `/v1/payments/${p.paymentKey}`, undefined, { authorization: basic('test_sk_wrong') })).toMatchObject({
      status: 401,
      body: { code: 'UNAUTHORIZED_KEY' },
    });
    const bare = await fetch(`${standin.url}/v1/payments/confirm`, { method: 'POST', body: JSON.stringify(p) });
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ code: 'UNAUTHORIZED_KEY' });
    expect(statusOf(standin, p.paymentKey)).toMatchObject({ status: 'IN_PROGRESS', confirmCalls: 0 });
  });

  it('answers 404 NOT_FOUND_PAYMENT for an unknown paymentKey or orderId, and finds the latest payment of an order', async () => {
    const standin = await start();
    expect(await api(standin, 'GET', '/v1/payments/tstandin_nope')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND_PAYMENT' } });
    expect(await api(standin, 'GET', '/v1/payments/orders/evermall-order-404')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND_PAYMENT' } });
    await authorized(standin, TOSS_STANDIN_CARDS.approve, 'evermall-order-2');
    const second = await authorized(standin, TOSS_STANDIN_CARDS.approve, 'evermall-order-2');
    expect((await api(standin, 'GET', '/v1/payments/orders/evermall-order-2')).body).toMatchObject({ paymentKey: second.paymentKey });
  });

  it('cancels a DONE payment in full, once; refuses what is not DONE or not there', async () => {
    const standin = await start();
    const p = await authorized(standin);
    const cancel = (paymentKey: string) => api(standin, 'POST', `/v1/payments/${paymentKey}/cancel`, { cancelReason: 'order released' });
    expect(await cancel(p.paymentKey)).toMatchObject({ status: 403, body: { code: 'NOT_CANCELABLE_PAYMENT' } });
    await confirm(standin, p);
    const canceled = await cancel(p.paymentKey);
    expect(canceled).toMatchObject({ status: 200, body: { status: 'CANCELED', balanceAmount: 0, cancels: [{ cancelAmount: 15000, cancelReason: 'order released' }] } });
    expect(await cancel(p.paymentKey)).toMatchObject({ status: 400, body: { code: 'ALREADY_CANCELED_PAYMENT' } });
    expect(await cancel('tstandin_nope')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND_PAYMENT' } });
    expect(statusOf(standin, p.paymentKey)?.cancels).toEqual([{ cancelReason: 'order released', canceledAt: expect.stringMatching(/\+09:00$/), cancelAmount: 15000 }]);
  });
});

describe('the journal', () => {
  it('keeps payments and idempotent answers across a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'toss-standin-'));
    tempDirs.push(dir);
    const keys = { secretKey: 'test_sk_journal', clientKey: 'test_ck_journal', journalPath: path.join(dir, 'nested', 'payments.jsonl') };
    const before = await start(keys);
    const done = await authorized(before);
    const open = await authorized(before, TOSS_STANDIN_CARDS.serverError);
    const first = await confirm(before, done, { 'idempotency-key': 'k-1' });
    await before.close();

    const after = await start(keys);
    expect(after.payments().map((p) => [p.paymentKey, p.status])).toEqual([
      [done.paymentKey, 'DONE'],
      [open.paymentKey, 'IN_PROGRESS'],
    ]);
    expect(await confirm(after, done, { 'idempotency-key': 'k-1' })).toEqual(first);
    expect(await confirm(after, done)).toMatchObject({ status: 400, body: { code: 'ALREADY_PROCESSED_PAYMENT' } });
    // The card's own fault is still due on its first confirm.
    expect((await confirm(after, open)).status).toBe(500);
    expect((await confirm(after, open)).status).toBe(200);
  });
});

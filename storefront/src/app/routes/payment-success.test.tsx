// @vitest-environment happy-dom
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, screen } from '@testing-library/react';
import { Route, Routes, useLocation } from 'react-router';
import { placedOrder } from '@/testing/checkout';
import { json, renderWithProviders } from '@/testing/render';
import { Component as PaymentSuccess } from './payment-success';

const RETURN_URL = '/checkout/payment/success?paymentKey=tgen_20261126abc&orderId=evermall-order-41&amount=118000&paymentType=NORMAL';

/** The shop: a logged-in customer, and the confirm answering `confirm`. */
function shop(confirm: () => Response) {
  return vi.fn((url: string, init?: RequestInit) => {
    if (url === '/api/auth/me') return Promise.resolve(json(200, { user: { id: 3, email: 'minji@evermall.test', name: '김민지', role: 'customer' } }));
    if (url === '/api/checkout/confirm' && init?.method === 'POST') return Promise.resolve(confirm());
    return Promise.resolve(json(500, { error: { code: 'INTERNAL', message: `unexpected ${url}` } }));
  });
}

function OrderPage() {
  const location = useLocation();
  return <h1>order page {location.pathname + location.search}</h1>;
}

// StrictMode runs the page's effects twice, as in development: the confirm must still go once.
const renderReturn = (url = RETURN_URL) =>
  renderWithProviders(
    <StrictMode>
      <Routes>
        <Route path="/checkout/payment/success" element={<PaymentSuccess />} />
        <Route path="/orders/:id" element={<OrderPage />} />
      </Routes>
    </StrictMode>,
    { url },
  );

const confirms = (fetchMock: ReturnType<typeof shop>) =>
  fetchMock.mock.calls.filter(([url]) => url === '/api/checkout/confirm').map(([, init]) => JSON.parse(String(init?.body)) as unknown);

describe("Toss's success redirect", () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('confirms once with exactly the redirect’s values, then shows the order placed', async () => {
    const fetchMock = shop(() => json(200, placedOrder));
    vi.stubGlobal('fetch', fetchMock);
    renderReturn();
    await screen.findByRole('heading', { name: 'order page /orders/41?placed=1' });
    expect(confirms(fetchMock)).toEqual([{ paymentKey: 'tgen_20261126abc', orderId: 'evermall-order-41', amount: 118000 }]);
  });

  it('a declined payment says so with the way back to the cart, and a reload shows the same without confirming again', async () => {
    const fetchMock = shop(() => json(402, { error: { code: 'PAYMENT_DECLINED', message: 'declined', details: { orderId: 41 } } }));
    vi.stubGlobal('fetch', fetchMock);
    renderReturn();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('카드 결제가 거절되었습니다. 다른 카드로 다시 시도해 주세요.');
    expect(screen.getByRole('link', { name: '장바구니로 돌아가기' }).getAttribute('href')).toBe('/cart');

    cleanup();
    renderReturn();
    expect((await screen.findByRole('alert')).textContent).toContain('카드 결제가 거절되었습니다.');
    expect(confirms(fetchMock)).toHaveLength(1);
  });

  it.each([
    ['ORDER_EXPIRED', 409, '주문이 만료되었습니다', { name: '장바구니로 돌아가기', href: '/cart' }],
    ['ORDER_ALREADY_PAID', 409, '이미 다른 결제로 결제되었습니다', { name: '주문 보기', href: '/orders/41' }],
    ['PAYMENT_AMOUNT_MISMATCH', 400, '결제 금액이 주문 금액과 다릅니다', { name: '주문 보기', href: '/orders/41' }],
  ])('%s says what happened and where to go', async (code, status, words, link) => {
    vi.stubGlobal(
      'fetch',
      shop(() => json(status, { error: { code, message: code, details: { orderId: 41 } } })),
    );
    renderReturn();
    expect((await screen.findByRole('alert')).textContent).toContain(words);
    expect(screen.getByRole('link', { name: link.name }).getAttribute('href')).toBe(link.href);
  });

  it('a provider that did not answer (503) means the payment is being checked: the order page will tell', async () => {
    const fetchMock = shop(() => json(503, { error: { code: 'PAYMENT_UNAVAILABLE', message: 'later', details: { orderId: 41 } } }));
    vi.stubGlobal('fetch', fetchMock);
    renderReturn();
    await screen.findByRole('heading', { name: '결제를 확인하고 있습니다' });
    expect(screen.getByRole('link', { name: '주문 보기' }).getAttribute('href')).toBe('/orders/41');
    expect(confirms(fetchMock)).toHaveLength(1);
    expect(sessionStorage.length).toBe(0);
  });

  it('a return URL without the payment’s values confirms nothing', async () => {
    const fetchMock = shop(() => json(200, placedOrder));
    vi.stubGlobal('fetch', fetchMock);
    renderReturn('/checkout/payment/success?orderId=evermall-order-41&amount=abc');
    expect((await screen.findByRole('alert')).textContent).toContain('결제 결과를 읽을 수 없습니다');
    expect(confirms(fetchMock)).toEqual([]);
  });
});

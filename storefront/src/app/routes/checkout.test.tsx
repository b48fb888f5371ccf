// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { paths } from '@/config/paths';
import type { Product } from '@/lib/api-types';
import { fillCheckoutForm, placedOrder, withPaymentsConfig } from '@/testing/checkout';
import { json, renderWithProviders } from '@/testing/render';
import { Component as Checkout } from './checkout';

const product: Product = {
  id: 7,
  sku: 'EM-7',
  slug: 'raon-sneaker',
  name: '라온 운동화',
  nameEn: 'Raon sneakers',
  description: '',
  priceWon: 59000,
  stock: 10,
  maxPerCustomer: null,
  active: true,
  images: [],
  pictures: [],
  category: { id: 1, slug: 'shoes', name: '신발', nameEn: 'Shoes' },
  createdAt: '2026-11-26T00:00:00.000Z',
  updatedAt: '2026-11-26T00:00:00.000Z',
};

/** The shop as this page sees it: a logged-in customer, one product, and checkout. Anything else is a 500 the test can see. */
function shop() {
  return vi.fn((url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    if (url === '/api/auth/me') return Promise.resolve(json(200, { user: { id: 3, email: 'minji@evermall.test', name: '김민지', role: 'customer' } }));
    if (url === `/api/products/${product.slug}`) return Promise.resolve(json(200, product));
    if (url === '/api/checkout' && method === 'POST') return Promise.resolve(json(201, placedOrder));
    return Promise.resolve(json(500, { error: { code: 'INTERNAL', message: `unexpected ${method} ${url}` } }));
  });
}

function renderCheckoutAt(url: string) {
  return renderWithProviders(
    <Routes>
      <Route path="/checkout" element={<Checkout />} />
      <Route path="/orders/:id" element={<h1>order page</h1>} />
    </Routes>,
    { url },
  );
}

describe('the checkout page in buy-now mode', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('shows the one line from the URL, orders it as items without reading the cart, and shows the order', async () => {
    const fetchMock = shop();
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock));
    renderCheckoutAt(paths.buyNow(product.slug, 2));

    const summary = await screen.findByRole('region', { name: '주문 요약' });
    expect(summary.textContent).toContain('라온 운동화');
    expect(summary.textContent).toContain('2개 × ₩59,000');
    expect(summary.textContent).toContain('₩118,000');

    await fillCheckoutForm();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await screen.findByRole('heading', { name: 'order page' });

    const posted = fetchMock.mock.calls.filter(([url]) => url === '/api/checkout').map(([, init]) => JSON.parse(String(init?.body)) as { items?: unknown });
    expect(posted).toHaveLength(1);
    expect(posted[0]!.items).toEqual([{ productId: 7, quantity: 2 }]);
    await waitFor(() => expect(fetchMock.mock.calls.map(([url]) => url).filter((url) => url.startsWith('/api/cart'))).toEqual([]));
  });

  it('without a buy now it is the cart checkout, as before', async () => {
    const fetchMock = shop();
    fetchMock.mockImplementation((url: string) =>
      Promise.resolve(
        url === '/api/auth/me'
          ? json(200, { user: { id: 3, email: 'minji@evermall.test', name: '김민지', role: 'customer' } })
          : json(200, { lines: [], itemCount: 0, totalWon: 0 }),
      ),
    );
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock));
    renderCheckoutAt(paths.checkout());
    await screen.findByText('주문할 상품이 없습니다.', { exact: false });
    expect(fetchMock.mock.calls.map(([url]) => url)).toContain('/api/cart');
  });
});

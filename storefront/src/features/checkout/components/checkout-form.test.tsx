// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { Cart } from '@/lib/api-types';
import { fillCheckoutForm, placedOrder, withPaymentsConfig } from '@/testing/checkout';
import { json, renderWithProviders } from '@/testing/render';
import { CheckoutForm } from './checkout-form';

const cart: Cart = {
  lines: [{ productId: 7, slug: 'sneaker', name: '라온 운동화', image: null, unitPriceWon: 59000, quantity: 2, lineTotalWon: 118000, available: 10 }],
  itemCount: 2,
  totalWon: 118000,
};

const checkoutCalls = (fetchMock: ReturnType<typeof vi.fn>) => fetchMock.mock.calls.filter(([url]) => String(url).endsWith('/api/checkout'));
const bodiesOf = (fetchMock: ReturnType<typeof vi.fn>) => checkoutCalls(fetchMock).map(([, init]) => JSON.parse(String((init as RequestInit).body)) as Record<string, unknown>);

const keysOf = (fetchMock: ReturnType<typeof vi.fn>) =>
  fetchMock.mock.calls
    .filter(([url]) => String(url).endsWith('/api/checkout'))
    .map(([, init]) => (init as RequestInit).headers as Record<string, string>)
    .map((h) => h['Idempotency-Key']);

describe('placing an order', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('a double click sends one request and places one order', async () => {
    let answer!: (r: Response) => void;
    const fetchMock = vi.fn(() => new Promise<Response>((resolve) => (answer = resolve)));
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock));
    const onPlaced = vi.fn();
    renderWithProviders(<CheckoutForm lines={cart.lines} totalWon={cart.totalWon} onPlaced={onPlaced} />);
    await fillCheckoutForm();
    const button = screen.getByRole('button', { name: '주문하기' });
    fireEvent.click(button);
    fireEvent.click(button);
    await waitFor(() => expect(screen.getByRole('button', { name: '주문하는 중…' })).toBeDefined());
    answer(json(201, placedOrder));
    await waitFor(() => expect(onPlaced).toHaveBeenCalledTimes(1));
    expect(keysOf(fetchMock)).toHaveLength(1);
  });

  it('retries a lost answer with the same key, and the next order gets a new key', async () => {
    const fetchMock = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(json(200, placedOrder, { 'idempotent-replayed': 'true' }))
      .mockResolvedValueOnce(json(201, { ...placedOrder, id: 42 }));
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock));
    const onPlaced = vi.fn();
    renderWithProviders(<CheckoutForm lines={cart.lines} totalWon={cart.totalWon} onPlaced={onPlaced} />);
    await fillCheckoutForm();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await waitFor(() => expect(onPlaced).toHaveBeenCalledTimes(1), { timeout: 5000 });
    const [first, retry] = keysOf(fetchMock);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(retry).toBe(first);

    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await waitFor(() => expect(onPlaced).toHaveBeenCalledTimes(2));
    expect(keysOf(fetchMock)[2]).not.toBe(first);
  });

  it('names the short lines when the shop answers OUT_OF_STOCK', async () => {
    vi.stubGlobal(
      'fetch',
      withPaymentsConfig(
        vi.fn().mockResolvedValue(
          json(409, {
            error: { code: 'OUT_OF_STOCK', message: 'Not enough stock', details: [{ productId: 7, name: '라온 운동화', requested: 2, available: 1 }] },
          }),
        ),
      ),
    );
    renderWithProviders(<CheckoutForm lines={cart.lines} totalWon={cart.totalWon} onPlaced={vi.fn()} />);
    await fillCheckoutForm();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('라온 운동화: 1개 남음 (요청 2개)');
  });

  it('says which fields are missing before sending anything', async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock));
    renderWithProviders(<CheckoutForm lines={cart.lines} totalWon={cart.totalWon} onPlaced={vi.fn()} />);
    await screen.findByLabelText('카드 번호');
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await screen.findByText('받는 분을(를) 입력해 주세요.');
    expect(screen.getByLabelText('받는 분').getAttribute('aria-invalid')).toBe('true');
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe('buying now', () => {
  const line = { productId: 7, name: '라온 운동화', unitPriceWon: 59000, quantity: 2, lineTotalWon: 118000 };
  const buyNow = { productPath: '/p/sneaker' };

  beforeEach(() => sessionStorage.clear());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('orders exactly the line as items and leaves the cart alone', async () => {
    const fetchMock = vi.fn().mockResolvedValue(json(201, placedOrder));
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock));
    const onPlaced = vi.fn();
    const { queryClient } = renderWithProviders(<CheckoutForm lines={[line]} totalWon={118000} buyNow={buyNow} onPlaced={onPlaced} />);
    queryClient.setQueryData(['cart'], { ...cart, lines: [{ ...cart.lines[0]!, productId: 9, name: '머그컵' }] });
    expect(screen.getByText('이 상품만 주문합니다. 장바구니는 그대로 남습니다.')).toBeDefined();
    await fillCheckoutForm();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await waitFor(() => expect(onPlaced).toHaveBeenCalledWith(placedOrder));

    expect(bodiesOf(fetchMock)).toEqual([
      {
        items: [{ productId: 7, quantity: 2 }],
        shipping: { name: '김민지', phone: '010-1234-5678', postalCode: '04524', address1: '서울 중구 세종대로 110' },
        payment: { card: '4242424242424242' },
      },
    ]);
    expect(fetchMock.mock.calls.filter(([url]) => String(url).includes('/api/cart'))).toEqual([]);
    expect(queryClient.getQueryState(['cart'])?.isInvalidated).toBe(false);
  });

  it('the cart checkout sends no items and refreshes the emptied cart', async () => {
    const fetchMock = vi.fn().mockResolvedValue(json(201, placedOrder));
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock));
    const onPlaced = vi.fn();
    const { queryClient } = renderWithProviders(<CheckoutForm lines={cart.lines} totalWon={cart.totalWon} onPlaced={onPlaced} />);
    queryClient.setQueryData(['cart'], cart);
    await fillCheckoutForm();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await waitFor(() => expect(onPlaced).toHaveBeenCalledTimes(1));
    expect(bodiesOf(fetchMock)[0]).not.toHaveProperty('items');
    expect(queryClient.getQueryState(['cart'])?.isInvalidated).toBe(true);
  });

  it('keeps the key across a lost answer, and after a decline another card gets a new key', async () => {
    const fetchMock = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(json(402, { error: { code: 'PAYMENT_DECLINED', message: 'Declined' } }))
      .mockResolvedValueOnce(json(201, placedOrder));
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock));
    const onPlaced = vi.fn();
    renderWithProviders(<CheckoutForm lines={[line]} totalWon={118000} buyNow={buyNow} onPlaced={onPlaced} />);
    await fillCheckoutForm();
    fireEvent.change(screen.getByLabelText('카드 번호'), { target: { value: '4000 0000 0000 0002' } });
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    const alert = await screen.findByRole('alert', {}, { timeout: 5000 });
    expect(alert.textContent).toBe('카드 결제가 거절되었습니다. 다른 카드로 다시 시도해 주세요.');

    fireEvent.change(screen.getByLabelText('카드 번호'), { target: { value: '4242 4242 4242 4242' } });
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await waitFor(() => expect(onPlaced).toHaveBeenCalledTimes(1));
    const [lost, retry, next] = keysOf(fetchMock);
    expect(retry).toBe(lost);
    expect(next).not.toBe(lost);
    expect(bodiesOf(fetchMock).map((b) => b.items)).toEqual(Array(3).fill([{ productId: 7, quantity: 2 }]));
  });

  it('says an expired order expired, and the next click orders again with a new key', async () => {
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(json(409, { error: { code: 'ORDER_EXPIRED', message: 'Expired', details: { orderId: 5 } } }))
      .mockResolvedValueOnce(json(201, placedOrder));
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock));
    const onPlaced = vi.fn();
    renderWithProviders(<CheckoutForm lines={cart.lines} totalWon={cart.totalWon} onPlaced={onPlaced} />);
    await fillCheckoutForm();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('주문이 만료되었습니다');

    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await waitFor(() => expect(onPlaced).toHaveBeenCalledTimes(1));
    const [expired, next] = keysOf(fetchMock);
    expect(next).not.toBe(expired);
  });

  it('names the short product and sends the shopper back to its page, not to the cart', async () => {
    vi.stubGlobal(
      'fetch',
      withPaymentsConfig(
        vi.fn().mockResolvedValue(json(409, { error: { code: 'OUT_OF_STOCK', message: 'Not enough stock', details: [{ productId: 7, requested: 2, available: 1 }] } })),
      ),
    );
    renderWithProviders(<CheckoutForm lines={[line]} totalWon={118000} buyNow={buyNow} onPlaced={vi.fn()} />);
    await fillCheckoutForm();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('라온 운동화: 1개 남음 (요청 2개)');
    expect(screen.getByRole('link', { name: '상품 페이지에서 수량을 바꿔 주세요.' }).getAttribute('href')).toBe('/p/sneaker');
    expect(screen.queryByRole('link', { name: '장바구니에서 수량을 바꿔 주세요.' })).toBeNull();
  });
});

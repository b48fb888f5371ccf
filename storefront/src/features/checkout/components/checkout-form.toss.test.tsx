// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { TOSS_PAYMENTS, fillShippingAddress, pendingOrder, withPaymentsConfig } from '@/testing/checkout';
import { json, renderWithProviders } from '@/testing/render';
import { openPaymentWindow } from '../lib/toss';
import { CheckoutForm } from './checkout-form';

// The window itself is Toss's (or the stand-in's): here it is a function the form must call right.
vi.mock('../lib/toss', async (original) => ({
  ...(await original<typeof import('../lib/toss')>()),
  loadTossSdk: vi.fn(() => new Promise(() => undefined)),
  openPaymentWindow: vi.fn(),
}));
const openWindow = vi.mocked(openPaymentWindow);

const lines = [{ productId: 7, name: '라온 운동화', unitPriceWon: 59000, quantity: 2, lineTotalWon: 118000 }];
const checkoutCalls = (fetchMock: ReturnType<typeof vi.fn>) => fetchMock.mock.calls.filter(([url]) => String(url) === '/api/checkout').map(([, init]) => init as RequestInit);

describe('placing an order with Toss Payments', () => {
  beforeEach(() => {
    sessionStorage.clear();
    // Like the real window: the page is leaving, the promise never settles.
    openWindow.mockReset().mockReturnValue(new Promise(() => undefined));
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('asks for no card, says where the shopper pays, and opens the window with the order it placed', async () => {
    let answer!: (r: Response) => void;
    const fetchMock = vi.fn(() => new Promise<Response>((resolve) => (answer = resolve)));
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock, TOSS_PAYMENTS));
    const onPlaced = vi.fn();
    renderWithProviders(<CheckoutForm lines={lines} totalWon={118000} onPlaced={onPlaced} />);
    await screen.findByText('주문하면 토스페이먼츠 결제창이 열리고, 그곳에서 결제합니다.');
    expect(screen.queryByLabelText('카드 번호')).toBeNull();

    fillShippingAddress();
    const button = screen.getByRole('button', { name: '주문하기' });
    fireEvent.click(button);
    fireEvent.click(button);
    await waitFor(() => expect(checkoutCalls(fetchMock)).toHaveLength(1));
    answer(json(201, pendingOrder));

    await waitFor(() => expect(openWindow).toHaveBeenCalledWith(pendingOrder.paymentRequest));
    expect(openWindow).toHaveBeenCalledTimes(1);
    expect(onPlaced).not.toHaveBeenCalled();
    expect((await screen.findByRole('button', { name: '결제창을 여는 중…' })).hasAttribute('disabled')).toBe(true);

    const [init] = checkoutCalls(fetchMock);
    expect(JSON.parse(String(init!.body))).toEqual({
      shipping: { name: '김민지', phone: '010-1234-5678', postalCode: '04524', address1: '서울 중구 세종대로 110' },
      payment: { provider: 'toss' },
    });
    expect((init!.headers as Record<string, string>)['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a lost answer is retried with the same key; the replayed order opens the window once', async () => {
    const fetchMock = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(json(200, pendingOrder, { 'idempotent-replayed': 'true' }));
    vi.stubGlobal('fetch', withPaymentsConfig(fetchMock, TOSS_PAYMENTS));
    renderWithProviders(<CheckoutForm lines={lines} totalWon={118000} onPlaced={vi.fn()} />);
    await screen.findByText('주문하면 토스페이먼츠 결제창이 열리고, 그곳에서 결제합니다.');
    fillShippingAddress();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await waitFor(() => expect(openWindow).toHaveBeenCalledTimes(1), { timeout: 5000 });
    const keys = checkoutCalls(fetchMock).map((init) => (init.headers as Record<string, string>)['Idempotency-Key']);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('a window closed without paying takes the shopper to the order, where they can pay later', async () => {
    openWindow.mockRejectedValue(Object.assign(new Error('closed'), { code: 'USER_CANCEL' }));
    vi.stubGlobal('fetch', withPaymentsConfig(vi.fn().mockResolvedValue(json(201, pendingOrder)), TOSS_PAYMENTS));
    const onPlaced = vi.fn();
    renderWithProviders(<CheckoutForm lines={lines} totalWon={118000} onPlaced={onPlaced} />);
    await screen.findByText('주문하면 토스페이먼츠 결제창이 열리고, 그곳에서 결제합니다.');
    fillShippingAddress();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await waitFor(() => expect(onPlaced).toHaveBeenCalledWith(pendingOrder));
  });

  it('a shop whose provider changed (PAYMENT_METHOD_UNSUPPORTED) is asked again and the form follows it', async () => {
    let config = TOSS_PAYMENTS;
    const fetchMock = vi.fn().mockResolvedValue(json(400, { error: { code: 'PAYMENT_METHOD_UNSUPPORTED', message: 'cards only' } }));
    vi.stubGlobal('fetch', (url: string, init?: RequestInit) => (url === '/api/payments/config' ? Promise.resolve(json(200, config)) : fetchMock(url, init)));
    renderWithProviders(<CheckoutForm lines={lines} totalWon={118000} onPlaced={vi.fn()} />);
    await screen.findByText('주문하면 토스페이먼츠 결제창이 열리고, 그곳에서 결제합니다.');
    fillShippingAddress();
    config = { provider: 'test', flow: 'card' };
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    expect((await screen.findByRole('alert')).textContent).toBe('쇼핑몰의 결제 방식이 바뀌었습니다. 다시 주문해 주세요.');
    await screen.findByLabelText('카드 번호');
    expect(openWindow).not.toHaveBeenCalled();
  });
});

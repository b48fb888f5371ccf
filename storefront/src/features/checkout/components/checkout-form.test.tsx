// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { Cart, Order } from '@/lib/api-types';
import { json, renderWithProviders } from '@/testing/render';
import { CheckoutForm } from './checkout-form';

const cart: Cart = {
  lines: [{ productId: 7, slug: 'sneaker', name: '라온 운동화', image: null, unitPriceWon: 59000, quantity: 2, lineTotalWon: 118000, available: 10 }],
  itemCount: 2,
  totalWon: 118000,
};

const order: Order = {
  id: 41,
  status: 'placed',
  lines: [{ productId: 7, sku: 'EM-7', name: '라온 운동화', unitPriceWon: 59000, quantity: 2, lineTotalWon: 118000 }],
  totalWon: 118000,
  shipping: { name: '김민지', phone: '010-1234-5678', postalCode: '04524', address1: '서울 중구 세종대로 110' },
  createdAt: '2026-11-26T00:00:00.000Z',
  updatedAt: '2026-11-26T00:00:00.000Z',
};

function fill() {
  const set = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
  set('받는 분', '김민지');
  set('연락처', '010-1234-5678');
  set('우편번호', '04524');
  set('주소', '서울 중구 세종대로 110');
  set('카드 번호', '4242 4242 4242 4242');
}

const keysOf = (fetchMock: ReturnType<typeof vi.fn>) =>
  fetchMock.mock.calls.filter(([url]) => String(url).endsWith('/api/checkout')).map(([, init]) => (init as RequestInit).headers as Record<string, string>).map((h) => h['Idempotency-Key']);

describe('placing an order', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('a double click sends one request and places one order', async () => {
    let answer!: (r: Response) => void;
    const fetchMock = vi.fn(() => new Promise<Response>((resolve) => (answer = resolve)));
    vi.stubGlobal('fetch', fetchMock);
    const onPlaced = vi.fn();
    renderWithProviders(<CheckoutForm cart={cart} onPlaced={onPlaced} />);
    fill();
    const button = screen.getByRole('button', { name: '주문하기' });
    fireEvent.click(button);
    fireEvent.click(button);
    await waitFor(() => expect(screen.getByRole('button', { name: '주문하는 중…' })).toBeDefined());
    answer(json(201, order));
    await waitFor(() => expect(onPlaced).toHaveBeenCalledTimes(1));
    expect(keysOf(fetchMock)).toHaveLength(1);
  });

  it('retries a lost answer with the same key, and the next order gets a new key', async () => {
    const fetchMock = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(json(200, order, { 'idempotent-replayed': 'true' }))
      .mockResolvedValueOnce(json(201, { ...order, id: 42 }));
    vi.stubGlobal('fetch', fetchMock);
    const onPlaced = vi.fn();
    renderWithProviders(<CheckoutForm cart={cart} onPlaced={onPlaced} />);
    fill();
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
      vi.fn().mockResolvedValue(
        json(409, {
          error: { code: 'OUT_OF_STOCK', message: 'Not enough stock', details: [{ productId: 7, name: '라온 운동화', requested: 2, available: 1 }] },
        }),
      ),
    );
    renderWithProviders(<CheckoutForm cart={cart} onPlaced={vi.fn()} />);
    fill();
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('라온 운동화: 1개 남음 (요청 2개)');
  });

  it('says which fields are missing before sending anything', async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<CheckoutForm cart={cart} onPlaced={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: '주문하기' }));
    await screen.findByText('받는 분을(를) 입력해 주세요.');
    expect(screen.getByLabelText('받는 분').getAttribute('aria-invalid')).toBe('true');
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

import { fireEvent, screen } from '@testing-library/react';
import type { Order, PaymentsConfig } from '@/lib/api-types';
import { json } from './render';

/** What the shop answers for a placed order of two 라온 운동화 (product 7). */
export const placedOrder: Order = {
  id: 41,
  status: 'placed',
  lines: [{ productId: 7, sku: 'EM-7', name: '라온 운동화', unitPriceWon: 59000, quantity: 2, lineTotalWon: 118000 }],
  totalWon: 118000,
  shipping: { name: '김민지', phone: '010-1234-5678', postalCode: '04524', address1: '서울 중구 세종대로 110' },
  createdAt: '2026-11-26T00:00:00.000Z',
  updatedAt: '2026-11-26T00:00:00.000Z',
};

/** The shop with the test provider: checkout carries a card. */
export const CARD_PAYMENTS: PaymentsConfig = { provider: 'test', flow: 'card' };
/** The shop with Toss Payments: the shopper pays in Toss's window after checkout. */
export const TOSS_PAYMENTS: PaymentsConfig = { provider: 'toss', flow: 'redirect', clientKey: 'test_ck_unit', sdkUrl: 'http://toss.test/v2/standard' };

/**
 * A fetch that answers GET /api/payments/config with `config` and hands every other request to
 * `shop`, so a test's mock sees (and counts) only the calls it is about.
 */
export function withPaymentsConfig(shop: (url: string, init?: RequestInit) => Promise<Response>, config: PaymentsConfig = CARD_PAYMENTS) {
  return (url: string, init?: RequestInit) => (url === '/api/payments/config' ? Promise.resolve(json(200, config)) : shop(url, init));
}

/** The order a Toss checkout answers: waiting for its payment, with what Toss's window needs. */
export const pendingOrder: Order = {
  ...placedOrder,
  status: 'pending_payment',
  paymentRequest: {
    provider: 'toss',
    clientKey: 'test_ck_unit',
    sdkUrl: 'http://toss.test/v2/standard',
    orderId: 'evermall-order-41',
    orderName: '라온 운동화',
    amountWon: 118000,
    customerKey: 'ck-3f1a',
    expiresAt: '2026-11-26T00:15:00.000Z',
  },
};

/** Fills the shipping address (every required field but the card). */
export function fillShippingAddress(): void {
  const set = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
  set('받는 분', '김민지');
  set('연락처', '010-1234-5678');
  set('우편번호', '04524');
  set('주소', '서울 중구 세종대로 110');
}

/** Fills the checkout form's required fields with an address and the test provider's approving card, once the form knows the shop takes cards. */
export async function fillCheckoutForm(): Promise<void> {
  await screen.findByLabelText('카드 번호');
  fillShippingAddress();
  fireEvent.change(screen.getByLabelText('카드 번호'), { target: { value: '4242 4242 4242 4242' } });
}

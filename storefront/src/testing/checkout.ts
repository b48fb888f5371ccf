import { fireEvent, screen } from '@testing-library/react';
import type { Order } from '@/lib/api-types';

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

/** Fills the checkout form's required fields with an address and the test provider's approving card. */
export function fillCheckoutForm(): void {
  const set = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
  set('받는 분', '김민지');
  set('연락처', '010-1234-5678');
  set('우편번호', '04524');
  set('주소', '서울 중구 세종대로 110');
  set('카드 번호', '4242 4242 4242 4242');
}

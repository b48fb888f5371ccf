// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { openPaymentWindow } from '@/features/checkout/lib/toss';
import type { Order } from '@/lib/api-types';
import { pendingOrder } from '@/testing/checkout';
import { json, renderWithProviders } from '@/testing/render';
import { Component as PaymentFail } from './payment-fail';

vi.mock('@/features/checkout/lib/toss', async (original) => ({
  ...(await original<typeof import('@/features/checkout/lib/toss')>()),
  openPaymentWindow: vi.fn(),
}));
const openWindow = vi.mocked(openPaymentWindow);

function shop(order: Order) {
  return vi.fn((url: string) => {
    if (url === '/api/auth/me') return Promise.resolve(json(200, { user: { id: 3, email: 'minji@evermall.test', name: '김민지', role: 'customer' } }));
    if (url === `/api/orders/${order.id}`) return Promise.resolve(json(200, order));
    return Promise.resolve(json(500, { error: { code: 'INTERNAL', message: `unexpected ${url}` } }));
  });
}

const failUrl = (message: string) => `/checkout/payment/fail?${new URLSearchParams({ code: 'PAY_PROCESS_CANCELED', message, orderId: 'evermall-order-41' }).toString()}`;
const renderFail = (url: string) =>
  renderWithProviders(
    <Routes>
      <Route path="/checkout/payment/fail" element={<PaymentFail />} />
    </Routes>,
    { url },
  );

describe("Toss's fail redirect", () => {
  beforeEach(() => {
    openWindow.mockReset().mockReturnValue(new Promise(() => undefined));
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("shows Toss's message as text, and Try again reopens the window for the same order", async () => {
    vi.stubGlobal('fetch', shop(pendingOrder));
    const message = '사용자에 의해 결제가 취소되었습니다. <img src=x onerror="window.hacked=1">';
    renderFail(failUrl(message));
    expect((await screen.findByText(/사용자에 의해 결제가 취소되었습니다/)).textContent).toBe(`토스페이먼츠: ${message}`);
    expect(document.querySelector('img')).toBeNull();
    expect(screen.getByRole('link', { name: '장바구니로 돌아가기' }).getAttribute('href')).toBe('/cart');

    fireEvent.click(await screen.findByRole('button', { name: '다시 결제하기' }));
    await waitFor(() => expect(openWindow).toHaveBeenCalledWith(pendingOrder.paymentRequest));
    expect(screen.getByRole('button', { name: '결제창을 여는 중…' }).hasAttribute('disabled')).toBe(true);
  });

  it('an order that can no longer be paid says so, with no Try again', async () => {
    vi.stubGlobal('fetch', shop({ ...pendingOrder, paymentRequest: undefined, status: 'expired' }));
    renderFail(failUrl('결제 시간이 초과되었습니다.'));
    await screen.findByText('이 주문은 더 이상 결제할 수 없습니다 (결제 시간 초과).', { exact: false });
    expect(screen.queryByRole('button', { name: '다시 결제하기' })).toBeNull();
  });

  it('a window that cannot be opened says so and can be tried again', async () => {
    openWindow.mockRejectedValueOnce(Object.assign(new Error('down'), { code: 'SDK_UNAVAILABLE' }));
    vi.stubGlobal('fetch', shop(pendingOrder));
    renderFail(failUrl('취소'));
    fireEvent.click(await screen.findByRole('button', { name: '다시 결제하기' }));
    await screen.findByText('결제창을 열지 못했습니다. 잠시 후 다시 시도해 주세요.');
    expect(screen.getByRole('button', { name: '다시 결제하기' }).hasAttribute('disabled')).toBe(false);
  });
});

// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pendingOrder } from '@/testing/checkout';
import { loadTossSdk, openPaymentWindow, shopOrderIdOf } from './toss';

/** Stands in for the script's network load: the SDK defines TossPayments, then the load event fires. */
function serveSdk(requestPayment: (request: unknown) => Promise<unknown>) {
  const sdk = vi.fn(() => ({ payment: vi.fn(() => ({ requestPayment })) }));
  const appended: string[] = [];
  vi.spyOn(document.head, 'appendChild').mockImplementation(<T extends Node>(node: T): T => {
    const script = node as unknown as HTMLScriptElement;
    appended.push(script.src);
    window.TossPayments = sdk;
    queueMicrotask(() => script.dispatchEvent(new Event('load')));
    return node;
  });
  return { sdk, appended };
}

describe("Toss Payments' window", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete window.TossPayments;
  });

  it('loads the SDK once and requests a card payment of the order with return URLs on this origin', async () => {
    const requestPayment = vi.fn(() => new Promise(() => undefined));
    const { sdk, appended } = serveSdk(requestPayment);
    const request = { ...pendingOrder.paymentRequest!, sdkUrl: 'http://toss.test/v2/standard?once' };
    void openPaymentWindow(request);
    void openPaymentWindow(request);
    await vi.waitFor(() => expect(requestPayment).toHaveBeenCalledTimes(2));
    expect(appended).toEqual(['http://toss.test/v2/standard?once']);
    expect(sdk).toHaveBeenCalledWith('test_ck_unit');
    expect(requestPayment).toHaveBeenCalledWith({
      method: 'CARD',
      amount: { currency: 'KRW', value: 118000 },
      orderId: 'evermall-order-41',
      orderName: '라온 운동화',
      successUrl: `${window.location.origin}/checkout/payment/success`,
      failUrl: `${window.location.origin}/checkout/payment/fail`,
    });
  });

  it('a script that fails to load is reported, and the next try loads it again', async () => {
    const appended: string[] = [];
    vi.spyOn(document.head, 'appendChild').mockImplementation(<T extends Node>(node: T): T => {
      appended.push((node as unknown as HTMLScriptElement).src);
      queueMicrotask(() => node.dispatchEvent(new Event('error')));
      return node;
    });
    await expect(loadTossSdk('http://toss.test/v2/standard?down')).rejects.toMatchObject({ code: 'SDK_UNAVAILABLE' });
    await expect(loadTossSdk('http://toss.test/v2/standard?down')).rejects.toMatchObject({ code: 'SDK_UNAVAILABLE' });
    expect(appended).toHaveLength(2);
  });

  it("reads the shop's order id from the provider's reference", () => {
    expect(shopOrderIdOf('evermall-order-12')).toBe(12);
    expect(shopOrderIdOf('evermall-order-012')).toBeUndefined();
    expect(shopOrderIdOf('order-12')).toBeUndefined();
    expect(shopOrderIdOf(null)).toBeUndefined();
  });
});

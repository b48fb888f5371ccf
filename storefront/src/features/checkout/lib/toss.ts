import { paths } from '@/config/paths';
import type { PaymentRequest } from '@/lib/api-types';

/**
 * Toss Payments' payment window (the redirect flow): load the v2 SDK from the URL the shop
 * names, then `TossPayments(clientKey).payment({ customerKey }).requestPayment(...)`
 * (docs.tosspayments.com/sdk/v2/js). The window sends the browser to our success URL with
 * `paymentKey`, `orderId` and `amount`, or to the fail URL with `code`, `message` and `orderId`.
 */
interface TossPaymentWindowRequest {
  method: 'CARD';
  amount: { currency: 'KRW'; value: number };
  orderId: string;
  orderName: string;
  successUrl: string;
  failUrl: string;
}

type TossPaymentsSdk = (clientKey: string) => {
  payment(init: { customerKey: string }): { requestPayment(request: TossPaymentWindowRequest): Promise<unknown> };
};

declare global {
  interface Window {
    TossPayments?: TossPaymentsSdk;
  }
}

/** The SDK could not be loaded, or did not define `TossPayments`. */
export class TossSdkError extends Error {
  readonly code = 'SDK_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'TossSdkError';
  }
}

/** The code Toss's SDK rejects with when the shopper closes the window (docs.tosspayments.com/reference/error-codes). */
const USER_CANCEL = 'USER_CANCEL';

export const isUserCancel = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === USER_CANCEL;

const loading = new Map<string, Promise<TossPaymentsSdk>>();

/** Adds the SDK's script once per URL; a failed load is forgotten so the next click tries again. */
export function loadTossSdk(sdkUrl: string): Promise<TossPaymentsSdk> {
  const known = loading.get(sdkUrl);
  if (known) return known;
  const load = new Promise<TossPaymentsSdk>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = sdkUrl;
    script.async = true;
    script.addEventListener('load', () => (window.TossPayments ? resolve(window.TossPayments) : reject(new TossSdkError(`${sdkUrl} did not define TossPayments`))));
    script.addEventListener('error', () => {
      script.remove();
      reject(new TossSdkError(`${sdkUrl} could not be loaded`));
    });
    document.head.appendChild(script);
  });
  loading.set(sdkUrl, load);
  load.catch(() => loading.delete(sdkUrl));
  return load;
}

/** The return URLs Toss needs absolute: the storefront's own origin, the routes in config/paths. */
export function paymentReturnUrls(origin: string = window.location.origin): { successUrl: string; failUrl: string } {
  return { successUrl: new URL(paths.paymentSuccess(), origin).href, failUrl: new URL(paths.paymentFail(), origin).href };
}

/**
 * Opens Toss's window for an order waiting for its payment. It resolves only if the window
 * does not take the page away; it rejects with the SDK's error (`isUserCancel` when the
 * shopper closed it) or a TossSdkError.
 */
export async function openPaymentWindow(request: PaymentRequest): Promise<void> {
  const TossPayments = await loadTossSdk(request.sdkUrl);
  await TossPayments(request.clientKey)
    .payment({ customerKey: request.customerKey })
    .requestPayment({
      method: 'CARD',
      amount: { currency: 'KRW', value: request.amountWon },
      orderId: request.orderId,
      orderName: request.orderName,
      ...paymentReturnUrls(),
    });
}

/** The shop's order id in the provider's reference (`evermall-order-12` → 12), or undefined. */
export function shopOrderIdOf(ref: string | null | undefined): number | undefined {
  const match = /^evermall-order-([1-9][0-9]{0,15})$/.exec(ref ?? '');
  return match ? Number(match[1]) : undefined;
}

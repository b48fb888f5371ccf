import { randomBytes, randomUUID } from 'node:crypto';
import { CookieJar, paymentWindowForm, TOSS_STANDIN_CARDS } from '@evermall/testkit';

/** What checkout answers for an order to pay at Toss (the redirect flow). */
export interface PendingOrder {
  id: number;
  status: string;
  totalWon: number;
  paymentRequest: { orderId: string; amountWon: number; orderName: string; clientKey: string; sdkUrl: string };
}

/** A shopper talking to the shop through the front door, with a cookie jar, as a browser would. */
export class Shopper {
  private readonly jar = new CookieJar();

  constructor(private readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        origin: this.baseUrl,
        cookie: this.jar.header() ?? '',
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    this.jar.store(res.headers.getSetCookie());
    return res;
  }

  async register(): Promise<void> {
    const res = await this.request('POST', '/api/auth/register', {
      email: `twin-${randomBytes(5).toString('hex')}@example.test`,
      password: 'correct horse battery staple',
      name: 'Twin Shopper',
    });
    if (res.status >= 300) throw new Error(`register answered ${res.status}: ${await res.text()}`);
  }

  /** Adds the first in-stock product and returns its id. */
  async addSomethingToCart(): Promise<number> {
    const list = (await (await this.request('GET', '/api/products?limit=20')).json()) as { items: { id: number; stock?: number }[] };
    const product = list.items.find((p) => (p.stock ?? 1) > 0);
    if (!product) throw new Error('no product in stock');
    const res = await this.request('POST', '/api/cart/items', { productId: product.id, quantity: 1 });
    if (res.status !== 200) throw new Error(`add to cart answered ${res.status}: ${await res.text()}`);
    return product.id;
  }

  /** POST /api/checkout paying through Toss: the order comes back `pending_payment` with its paymentRequest. */
  checkout(key: string = randomUUID()): Promise<Response> {
    const shipping = { name: '김지우', phone: '010-1234-5678', address1: '서울특별시 강남구 테헤란로 1', postalCode: '06236', city: '서울' };
    return this.request('POST', '/api/checkout', { shipping, payment: { provider: 'toss' } }, { 'idempotency-key': key });
  }

  /** Pays a pending order (the window, then confirm); returns the confirm's answer. */
  async pay(order: PendingOrder, card: string = TOSS_STANDIN_CARDS.approve): Promise<Response> {
    return this.confirm(await this.authorize(order, card));
  }

  /** POST /api/checkout/confirm with what the window's success redirect carried; resending it is how a customer retries. */
  confirm(body: { paymentKey: string; orderId: string | null; amount: number }): Promise<Response> {
    return this.request('POST', '/api/checkout/confirm', body);
  }

  /**
   * The customer in Toss's window: POST /pay where the paymentRequest's SDK points (the stand-in's
   * window); returns what its success redirect carries, for the confirm.
   */
  async authorize(order: PendingOrder, card: string = TOSS_STANDIN_CARDS.approve): Promise<{ paymentKey: string; orderId: string | null; amount: number }> {
    const request = order.paymentRequest;
    const window = await fetch(new URL('/pay', request.sdkUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(paymentWindowForm(request, new URL('/checkout/payment', this.baseUrl).href, card)),
      redirect: 'manual',
    });
    if (window.status !== 303) throw new Error(`the payment window answered ${window.status}: ${await window.text()}`);
    const back = new URL(window.headers.get('location') ?? '');
    const paymentKey = back.searchParams.get('paymentKey');
    if (!paymentKey) throw new Error(`the payment window sent the shopper to ${back.href}`);
    return { paymentKey, orderId: back.searchParams.get('orderId'), amount: Number(back.searchParams.get('amount')) };
  }

  /** Checkout, pay, confirm: the placed order, or an error naming the step that failed. */
  async placeOrder(key: string = randomUUID()): Promise<{ id: number; status: string }> {
    const checkout = await this.checkout(key);
    if (checkout.status !== 201 && checkout.status !== 200) throw new Error(`checkout answered ${checkout.status}: ${await checkout.text()}`);
    const confirm = await this.pay((await checkout.json()) as PendingOrder);
    if (confirm.status !== 200) throw new Error(`confirm answered ${confirm.status}: ${await confirm.text()}`);
    return (await confirm.json()) as { id: number; status: string };
  }

  async orderIds(): Promise<number[]> {
    const res = await this.request('GET', '/api/orders');
    const body = (await res.json()) as { items?: { id: number }[] } | { id: number }[];
    const items = Array.isArray(body) ? body : (body.items ?? []);
    return items.map((o) => o.id);
  }
}

import { randomBytes, randomUUID } from 'node:crypto';
import { CookieJar } from '@evermall/testkit';

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

  checkout(key: string = randomUUID()): Promise<Response> {
    const shipping = { name: '김지우', phone: '010-1234-5678', address1: '서울특별시 강남구 테헤란로 1', postalCode: '06236', city: '서울' };
    return this.request('POST', '/api/checkout', { shipping, payment: { card: '4242 4242 4242 4242' } }, { 'idempotency-key': key });
  }

  async orderIds(): Promise<number[]> {
    const res = await this.request('GET', '/api/orders');
    const body = (await res.json()) as { items?: { id: number }[] } | { id: number }[];
    const items = Array.isArray(body) ? body : (body.items ?? []);
    return items.map((o) => o.id);
  }
}

import { randomUUID } from 'node:crypto';
import { CookieJar } from '@evermall/testkit';
import type { CatalogSample } from './catalog.js';
import { APPROVED_TEST_CARD, placeOrder, untilAnswered, type CheckoutOutcome, type CheckoutRetryPolicy } from './checkout-client.js';
import { pickAction, type MixAction } from './mix.js';
import type { ShopHttp } from './shop-http.js';

/** Every drill shopper's password: long enough for the shop's rule, never a real account. */
const SHOPPER_PASSWORD = 'drill-shopper-password-1';
/** Products per category page, as the storefront asks. */
const CATEGORY_PAGE = 24;

const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

/**
 * One shopper: their own cookies (session and cart), their own account, and the actions of the
 * mix. A shopper never throws; what went wrong is in the ledger.
 */
export class Shopper {
  readonly jar = new CookieJar();
  readonly name: string;
  loggedIn = false;
  /** What the shopper believes is in their cart; the order's lines come from the shop's answer. */
  cart = new Map<number, number>();
  /** The card this shopper enters in the payment window. */
  card: string = APPROVED_TEST_CARD;

  constructor(
    private readonly http: ShopHttp,
    private readonly catalog: CatalogSample,
    private readonly retry: CheckoutRetryPolicy,
    runId: string,
    index: number,
  ) {
    this.name = `${runId}-${index}`;
  }

  /** Registers an account (it logs in); retried on the next checkout if it failed. */
  async register(): Promise<boolean> {
    const res = await this.http.send('register', 'POST', '/api/auth/register', {
      jar: this.jar,
      body: { email: `${this.name}@drill.evermall.test`, password: SHOPPER_PASSWORD, name: `Drill ${this.name}` },
    });
    if (res.status === 201 || res.status === 200) this.loggedIn = true;
    else if (res.status === 409) {
      const login = await this.http.send('register', 'POST', '/api/auth/login', {
        jar: this.jar,
        body: { email: `${this.name}@drill.evermall.test`, password: SHOPPER_PASSWORD },
      });
      this.loggedIn = login.status === 200;
    }
    return this.loggedIn;
  }

  async act(action: MixAction = pickAction(Math.random())): Promise<void> {
    switch (action) {
      case 'browse-product':
        return this.browseProduct();
      case 'list-category':
        return this.listCategory();
      case 'search':
        return this.search();
      case 'add-to-cart':
        await this.addToCart();
        return;
      case 'view-cart':
        return this.viewCart();
      case 'checkout':
        await this.checkout();
    }
  }

  async browseProduct(): Promise<void> {
    const p = pick(this.catalog.products);
    if (p) await this.http.send('browse-product', 'GET', `/api/products/${encodeURIComponent(p.slug)}`, { jar: this.jar });
  }

  async listCategory(): Promise<void> {
    const slug = pick(this.catalog.categorySlugs);
    const qs = new URLSearchParams({ limit: String(CATEGORY_PAGE), ...(slug ? { category: slug } : {}) });
    await this.http.send('list-category', 'GET', `/api/products?${qs}`, { jar: this.jar });
  }

  async search(): Promise<void> {
    const q = pick(this.catalog.searchTerms) ?? 'a';
    await this.http.send('search', 'GET', `/api/products?${new URLSearchParams({ q, limit: String(CATEGORY_PAGE) })}`, { jar: this.jar });
  }

  /**
   * Adds one unit of a product that had stock when the catalog was sampled (or of `productId`),
   * as the storefront does: one Idempotency-Key per add, resent with every retry of it.
   */
  async addToCart(productId?: number, quantity = 1): Promise<boolean> {
    const id = productId ?? pick(this.catalog.products.filter((p) => p.stock > 0))?.id;
    if (id === undefined) return false;
    const key = randomUUID();
    const { res } = await untilAnswered(this.retry, (attempt) =>
      this.http.send('add-to-cart', 'POST', '/api/cart/items', { jar: this.jar, body: { productId: id, quantity }, headers: { 'idempotency-key': key }, record: { attempt } }),
    );
    const ok = res.status === 200 || res.status === 201;
    if (ok) this.cart.set(id, (this.cart.get(id) ?? 0) + quantity);
    return ok;
  }

  async emptyCart(): Promise<void> {
    for (const id of this.cart.keys()) await this.http.send('remove-from-cart', 'DELETE', `/api/cart/items/${id}`, { jar: this.jar });
    this.cart.clear();
  }

  async viewCart(): Promise<void> {
    await this.http.send('view-cart', 'GET', '/api/cart', { jar: this.jar });
  }

  /** Buys `quantity` units of one product in one request (POST /api/checkout with items), leaving the cart alone. */
  async buyNow(productId: number, quantity = 1, idempotencyKey: string = randomUUID()): Promise<CheckoutOutcome | undefined> {
    if (!this.loggedIn && !(await this.register())) return undefined;
    return placeOrder(this.http, this.jar, this.name, { policy: this.retry, idempotencyKey, card: this.card, items: [{ productId, quantity }] });
  }

  /** Checks out what is in the cart, filling it first when it is empty, as the mix's checkout step does. */
  async checkout(idempotencyKey: string = randomUUID()): Promise<CheckoutOutcome | undefined> {
    if (!this.loggedIn && !(await this.register())) return undefined;
    if (this.cart.size === 0 && !(await this.addToCart())) return undefined;
    const expectedLines = [...this.cart].map(([productId, quantity]) => ({ productId, quantity }));
    const outcome = await placeOrder(this.http, this.jar, this.name, { policy: this.retry, idempotencyKey, card: this.card, expectedLines });
    // The shop empties the cart with the order, and gives it back when the payment is declined;
    // after a refusal the shopper empties it and starts over.
    if (outcome.kind === 'out-of-stock' || outcome.kind === 'rejected') await this.emptyCart();
    const cartGivenBack = outcome.kind === 'acknowledged' && outcome.payment.kind === 'declined';
    if (outcome.kind !== 'gave-up' && !cartGivenBack) this.cart.clear();
    return outcome;
  }
}

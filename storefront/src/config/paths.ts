import { config } from './env';

/** Every URL the app links to, in one place. */
export const paths = {
  home: () => '/',
  category: (slug: string) => `/c/${encodeURIComponent(slug)}`,
  search: (q = '') => (q ? `/search?q=${encodeURIComponent(q)}` : '/search'),
  product: (slug: string) => `/p/${encodeURIComponent(slug)}`,
  cart: () => '/cart',
  checkout: () => '/checkout',
  /** Checkout of one product and quantity instead of the cart ("buy now"); in the URL so a reload or a detour through login keeps it. */
  buyNow: (slug: string, quantity: number) => `/checkout?${new URLSearchParams({ buy: slug, qty: String(quantity) }).toString()}`,
  /** Where Toss Payments' window sends the shopper back (as absolute URLs: features/checkout/lib/toss.ts). */
  paymentSuccess: () => '/checkout/payment/success',
  paymentFail: () => '/checkout/payment/fail',
  orders: () => '/orders',
  order: (id: number | string, placed = false) => `/orders/${id}${placed ? '?placed=1' : ''}`,
  login: (next?: string) => (next ? `/login?next=${encodeURIComponent(next)}` : '/login'),
  /** Where the shop sends a browser whose sign-in through a provider must be linked to a local account (shop/src/accounts/oidc). */
  loginLink: () => '/login/link',
  /**
   * The shop's start of a sign-in through a provider, reached by a full-page navigation (the
   * browser goes on to the user pool); `next` is a path already made safe by safeNext.
   */
  signInStart: (provider: string, next: string) => `${config.apiBase}/auth/oidc/${encodeURIComponent(provider)}/start?next=${encodeURIComponent(next)}`,
  register: (next?: string) => (next ? `/register?next=${encodeURIComponent(next)}` : '/register'),
  admin: () => '/admin',
  adminNewProduct: () => '/admin/products/new',
  adminProduct: (id: number) => `/admin/products/${id}`,
  adminOrders: () => '/admin/orders',
  adminSales: () => '/admin/sales',
} as const;

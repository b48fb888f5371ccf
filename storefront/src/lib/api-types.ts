import type { paths } from './api-schema';

/**
 * Named shapes of the shop's API, taken from the generated OpenAPI types (api-schema.d.ts),
 * so no shape is written twice. `npm run api-types -w storefront` regenerates them.
 */
/** A route path as the document spells it, with or without the trailing slash a prefixed `'/'` route gets. */
type Path<S extends string> = S extends keyof paths ? S : `${S}/` extends keyof paths ? `${S}/` : never;

type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];
export type JsonResponse<P extends keyof paths, M extends keyof paths[P], S extends number = 200> =
  Operation<P, M> extends { responses: infer R } ? (S extends keyof R ? (R[S] extends { content: { 'application/json': infer B } } ? B : never) : never) : never;
export type JsonBody<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
export type Query<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type Category = JsonResponse<'/api/categories', 'get'>['items'][number];
export type ProductList = JsonResponse<'/api/products', 'get'>;
export type ProductListQuery = Query<'/api/products', 'get'>;
export type ProductSort = NonNullable<ProductListQuery['sort']>;
export type Product = ProductList['items'][number];
/** One format's sized variants of a product image, for `<source type srcset>`. */
export type ImageSource = Product['pictures'][number]['sources'][number];
export type User = JsonResponse<'/api/auth/me', 'get'>['user'];
export type RegisterBody = JsonBody<'/api/auth/register', 'post'>;
export type LoginBody = JsonBody<'/api/auth/login', 'post'>;
/** The providers a shopper can sign in with (through the user pool), in the order to show them. */
export type SignInProvider = JsonResponse<'/api/auth/oidc/providers', 'get'>['providers'][number];
export type SignInProviderKey = SignInProvider['key'];
export type LinkSignInBody = JsonBody<'/api/auth/oidc/link', 'post'>;
/** A sign-in through a provider that finished: the user, and the same-site path to go to now. */
export type SignedIn = JsonResponse<'/api/auth/oidc/link', 'post'>;
export type Cart = JsonResponse<Path<'/api/cart'>, 'get'>;
export type CartLine = Cart['lines'][number];
export type AdminProductList = JsonResponse<Path<'/api/admin/products'>, 'get'>;
export type ProductCreate = JsonBody<Path<'/api/admin/products'>, 'post'>;
export type ProductUpdate = JsonBody<'/api/admin/products/{id}', 'patch'>;

export type PlaceOrderBody = JsonBody<Path<'/api/checkout'>, 'post'>;
export type ShippingAddress = PlaceOrderBody['shipping'];
export type Order = JsonResponse<'/api/orders/{id}', 'get'>;
export type OrderLine = Order['lines'][number];
export type OrderStatus = Order['status'];
export type OrderList = JsonResponse<Path<'/api/orders'>, 'get'>;
export type AdminOrderList = JsonResponse<Path<'/api/admin/orders'>, 'get'>;
export type AdminOrder = AdminOrderList['items'][number];
export type PaymentsConfig = JsonResponse<'/api/payments/config', 'get'>;
/** What the provider's payment window needs for an order waiting for a redirect-flow payment (Toss Payments). */
export type PaymentRequest = NonNullable<Order['paymentRequest']>;
export type ConfirmPaymentBody = JsonBody<'/api/checkout/confirm', 'post'>;
export type StaffOrderStatus = JsonBody<'/api/admin/orders/{id}/status', 'put'>['status'];
/** The staff sales report, read from the analytics store the sales feed keeps. */
export type SalesReport = JsonResponse<Path<'/api/admin/sales'>, 'get'>;
export type SalesDay = SalesReport['daily'][number];
export type SalesProduct = SalesReport['topProducts'][number];
export type SalesCategory = SalesReport['categories'][number];
export type StockLowEntry = SalesReport['stockLow'][number];

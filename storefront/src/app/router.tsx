import { createBrowserRouter, type RouteObject } from 'react-router';
import { RouteError } from '@/components/route-error';
import { RootLayout, RootSkeleton } from './root-layout';

/**
 * Every page is its own chunk (`lazy`), and every route has the error boundary, which lives in
 * the main chunk so it still shows when a page's chunk cannot be fetched.
 */
const page = (load: () => Promise<{ Component: React.ComponentType }>): Pick<RouteObject, 'lazy' | 'ErrorBoundary'> => ({
  // A chunk that fails to load (offline, a deploy replaced it) becomes a page that throws, so
  // the route's boundary shows it: React Router renders an empty outlet for a rejected `lazy`
  // on a route without a loader.
  lazy: () => load().catch((error: unknown) => ({ Component: () => throwError(error) })),
  ErrorBoundary: RouteError,
});

function throwError(error: unknown): never {
  throw error;
}

export const routes: RouteObject[] = [
  {
    path: '/',
    Component: RootLayout,
    ErrorBoundary: RouteError,
    HydrateFallback: RootSkeleton,
    children: [
      { index: true, ...page(() => import('./routes/home')) },
      { path: 'c/:slug', ...page(() => import('./routes/category')) },
      { path: 'search', ...page(() => import('./routes/search')) },
      { path: 'p/:slug', ...page(() => import('./routes/product')) },
      { path: 'cart', ...page(() => import('./routes/cart')) },
      { path: 'checkout', ...page(() => import('./routes/checkout')) },
      { path: 'checkout/payment/success', ...page(() => import('./routes/payment-success')) },
      { path: 'checkout/payment/fail', ...page(() => import('./routes/payment-fail')) },
      { path: 'orders', ...page(() => import('./routes/orders')) },
      { path: 'orders/:id', ...page(() => import('./routes/order')) },
      { path: 'login', ...page(() => import('./routes/login')) },
      { path: 'login/link', ...page(() => import('./routes/login-link')) },
      { path: 'register', ...page(() => import('./routes/register')) },
      {
        path: 'admin',
        ...page(() => import('./routes/admin/layout')),
        children: [
          { index: true, ...page(() => import('./routes/admin/products')) },
          { path: 'products/new', ...page(() => import('./routes/admin/new-product')) },
          { path: 'products/:id', ...page(() => import('./routes/admin/edit-product')) },
          { path: 'orders', ...page(() => import('./routes/admin/orders')) },
          { path: 'sales', ...page(() => import('./routes/admin/sales')) },
        ],
      },
      { path: '*', ...page(() => import('./routes/not-found')) },
    ],
  },
];

export const createRouter = () => createBrowserRouter(routes);

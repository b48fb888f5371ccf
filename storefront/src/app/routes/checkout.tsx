import { Link, useNavigate, useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import { RequireUser } from '@/features/auth/components/require-user';
import { useCart } from '@/features/cart/api/get-cart';
import { useProduct } from '@/features/catalog/api/get-product';
import { CheckoutForm } from '@/features/checkout/components/checkout-form';
import { buyNowFrom, type BuyNow } from '@/features/checkout/lib/buy-now';
import type { Order } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';

function CheckoutSkeleton() {
  const { t } = useI18n();
  return (
    <LoadingRegion label={t('loading')}>
      <Skeleton height="20em" />
    </LoadingRegion>
  );
}

function useShowPlaced() {
  const navigate = useNavigate();
  // An order still waiting for its payment (Toss's window closed) is shown with "Pay now", not as placed.
  return (order: Order) => void navigate(paths.order(order.id, order.status !== 'pending_payment'), { replace: true });
}

function CartCheckout() {
  const { t } = useI18n();
  const onPlaced = useShowPlaced();
  const cart = useCart();
  if (cart.isPending) return <CheckoutSkeleton />;
  if (cart.isError) return <QueryError error={cart.error} onRetry={() => void cart.refetch()} />;
  if (cart.data.lines.length === 0) {
    return (
      <p className="empty">
        {t('checkout.emptyCart')} <Link to={paths.home()}>{t('cart.continue')}</Link>
      </p>
    );
  }
  return <CheckoutForm lines={cart.data.lines} totalWon={cart.data.totalWon} onPlaced={onPlaced} />;
}

/** One product and quantity from the product page's "buy now"; the cart is neither shown nor read. */
function BuyNowCheckout({ slug, quantity }: BuyNow) {
  const { pick } = useI18n();
  const onPlaced = useShowPlaced();
  const product = useProduct(slug);
  if (product.isPending) return <CheckoutSkeleton />;
  if (product.isError) return <QueryError error={product.error} onRetry={() => void product.refetch()} />;
  const p = product.data;
  const line = { productId: p.id, name: pick(p), unitPriceWon: p.priceWon, quantity, lineTotalWon: p.priceWon * quantity };
  return <CheckoutForm lines={[line]} totalWon={line.lineTotalWon} buyNow={{ productPath: paths.product(p.slug) }} onPlaced={onPlaced} />;
}

export function Component() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const buyNow = buyNowFrom(params);
  useDocumentTitle(t('checkout.title'));
  return (
    <div className="page narrow">
      <h1>{t('checkout.title')}</h1>
      <RequireUser>
        {/* Keyed by what is ordered, so one buy now's form state (errors, a pending order) does not carry to another. */}
        {buyNow ? <BuyNowCheckout key={`${buyNow.slug}x${buyNow.quantity}`} {...buyNow} /> : <CartCheckout />}
      </RequireUser>
    </div>
  );
}

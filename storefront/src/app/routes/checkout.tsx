import { Link, useNavigate } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import { RequireUser } from '@/features/auth/components/require-user';
import { useCart } from '@/features/cart/api/get-cart';
import { CheckoutForm } from '@/features/checkout/components/checkout-form';
import { useI18n } from '@/lib/i18n';

function Checkout() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const cart = useCart();
  if (cart.isPending) {
    return (
      <LoadingRegion label={t('loading')}>
        <Skeleton height="20em" />
      </LoadingRegion>
    );
  }
  if (cart.isError) return <QueryError error={cart.error} onRetry={() => void cart.refetch()} />;
  if (cart.data.lines.length === 0) {
    return (
      <p className="empty">
        {t('checkout.emptyCart')} <Link to={paths.home()}>{t('cart.continue')}</Link>
      </p>
    );
  }
  return <CheckoutForm cart={cart.data} onPlaced={(order) => void navigate(paths.order(order.id, true), { replace: true })} />;
}

export function Component() {
  const { t } = useI18n();
  useDocumentTitle(t('checkout.title'));
  return (
    <div className="page narrow">
      <h1>{t('checkout.title')}</h1>
      <RequireUser>
        <Checkout />
      </RequireUser>
    </div>
  );
}

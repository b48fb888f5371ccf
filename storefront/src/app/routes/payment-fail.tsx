import { Link, useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import { RequireUser } from '@/features/auth/components/require-user';
import { PayButton } from '@/features/checkout/components/pay-button';
import { shopOrderIdOf } from '@/features/checkout/lib/toss';
import { useOrder } from '@/features/orders/api/get-orders';
import { useI18n } from '@/lib/i18n';

/** "Try again" for the order the window was for, while it still waits for its payment. */
function RetryPayment({ orderId }: { orderId: number }) {
  const { t } = useI18n();
  const order = useOrder(String(orderId));
  if (order.isPending) {
    return (
      <LoadingRegion label={t('loading')}>
        <Skeleton height="3em" width="40%" />
      </LoadingRegion>
    );
  }
  if (order.isError) return <QueryError error={order.error} onRetry={() => void order.refetch()} />;
  const o = order.data;
  if (o.status === 'pending_payment' && o.paymentRequest) return <PayButton request={o.paymentRequest} label={t('payment.tryAgain')} />;
  return (
    <p>
      {t('payment.notPayable', { status: t(`status.${o.status}`) })} <Link to={paths.order(o.id)}>{t('payment.toOrder')}</Link>
    </p>
  );
}

/** Where Toss's window sends the shopper when the payment did not go through: `?code&message&orderId`. */
export function Component() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  useDocumentTitle(t('payment.failedTitle'));
  // Toss's own words, from the URL: shown as text, never as markup.
  const message = params.get('message');
  const orderId = shopOrderIdOf(params.get('orderId'));
  return (
    <div className="page narrow">
      <h1>{t('payment.failedTitle')}</h1>
      <RequireUser>
        {message && (
          <p className="notice notice-error" data-testid="provider-message">
            {t('payment.providerSays', { message })}
          </p>
        )}
        {orderId !== undefined && <RetryPayment orderId={orderId} />}
        <p>
          <Link to={paths.cart()}>{t('payment.backToCart')}</Link>
        </p>
      </RequireUser>
    </div>
  );
}

import { Link, useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { paths } from '@/config/paths';
import { RequireUser } from '@/features/auth/components/require-user';
import { PaymentConfirmation } from '@/features/checkout/components/payment-confirmation';
import { useI18n } from '@/lib/i18n';

/** Where Toss's window sends the shopper after they authorized the payment: `?paymentKey&orderId&amount&paymentType`. */
export function Component() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  useDocumentTitle(t('payment.confirmingTitle'));
  const paymentKey = params.get('paymentKey') ?? '';
  const orderId = params.get('orderId') ?? '';
  const amount = params.get('amount') ?? '';
  const readable = paymentKey !== '' && orderId !== '' && /^[0-9]{1,10}$/.test(amount);
  return (
    <div className="page narrow">
      <RequireUser>
        {readable ? (
          <PaymentConfirmation confirm={{ paymentKey, orderId, amount: Number(amount) }} />
        ) : (
          <>
            <h1>{t('payment.failedTitle')}</h1>
            <div className="notice notice-error" role="alert">
              <p>{t('payment.badReturn')}</p>
              <p>
                <Link to={paths.orders()}>{t('payment.toOrders')}</Link>
              </p>
            </div>
          </>
        )}
      </RequireUser>
    </div>
  );
}

import { useParams, useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { RequireUser } from '@/features/auth/components/require-user';
import { PendingPayment } from '@/features/checkout/components/pending-payment';
import { OrderDetail } from '@/features/orders/components/order-detail';
import type { Order } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';

/** An order waiting for its Toss payment can be paid from its page until it expires. */
const payNow = (order: Order) => (order.status === 'pending_payment' && order.paymentRequest ? <PendingPayment request={order.paymentRequest} /> : null);

export function Component() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const { t } = useI18n();
  const placed = params.get('placed') === '1';
  useDocumentTitle(placed ? t('order.placedTitle') : t('order.title', { id }));
  return (
    <div className="page narrow">
      <RequireUser>
        <OrderDetail id={id} placed={placed} actions={payNow} />
      </RequireUser>
    </div>
  );
}

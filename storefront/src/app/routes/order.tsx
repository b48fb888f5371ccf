import { useParams, useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { RequireUser } from '@/features/auth/components/require-user';
import { OrderDetail } from '@/features/orders/components/order-detail';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const { t } = useI18n();
  const placed = params.get('placed') === '1';
  useDocumentTitle(placed ? t('order.placedTitle') : t('order.title', { id }));
  return (
    <div className="page narrow">
      <RequireUser>
        <OrderDetail id={id} placed={placed} />
      </RequireUser>
    </div>
  );
}

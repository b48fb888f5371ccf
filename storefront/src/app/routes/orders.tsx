import { useDocumentTitle } from '@/components/document-title';
import { RequireUser } from '@/features/auth/components/require-user';
import { OrderList } from '@/features/orders/components/order-list';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  useDocumentTitle(t('order.historyTitle'));
  return (
    <div className="page narrow">
      <h1>{t('order.historyTitle')}</h1>
      <RequireUser>
        <OrderList />
      </RequireUser>
    </div>
  );
}

import { useDocumentTitle } from '@/components/document-title';
import { OrderTable } from '@/features/admin/components/order-table';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  useDocumentTitle(t('admin.orders'));
  return (
    <>
      <h1>{t('admin.orders')}</h1>
      <OrderTable />
    </>
  );
}

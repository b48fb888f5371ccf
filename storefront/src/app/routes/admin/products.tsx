import { useDocumentTitle } from '@/components/document-title';
import { ProductTable } from '@/features/admin/components/product-table';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  useDocumentTitle(t('admin.title'));
  return (
    <>
      <h1>{t('admin.title')}</h1>
      <ProductTable />
    </>
  );
}

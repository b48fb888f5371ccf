import { useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { salesPeriod } from '@/features/admin/api/sales';
import { SalesReport } from '@/features/admin/components/sales-report';
import { useI18n } from '@/lib/i18n';

/** Staff sales charts; the period is in the URL (`?days=`), so a reload or a shared link keeps it. */
export function Component() {
  const { t } = useI18n();
  useDocumentTitle(t('admin.sales'));
  const [params, setParams] = useSearchParams();
  return (
    <>
      <h1>{t('admin.sales')}</h1>
      <SalesReport days={salesPeriod(params.get('days'))} onDaysChange={(days) => setParams({ days: String(days) }, { replace: true })} />
    </>
  );
}

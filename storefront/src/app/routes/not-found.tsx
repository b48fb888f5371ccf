import { Link } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  useDocumentTitle(t('error.notFound'));
  return (
    <div className="page narrow">
      <h1>{t('error.notFound')}</h1>
      <Link to="/" className="button">
        {t('error.home')}
      </Link>
    </div>
  );
}

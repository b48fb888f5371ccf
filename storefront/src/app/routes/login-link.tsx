import { useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { LinkAccountForm } from '@/features/auth/components/link-account-form';
import { useI18n } from '@/lib/i18n';

/** Where the shop's sign-in callback sends a browser whose provider's email belongs to a local account. */
export function Component() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  useDocumentTitle(t('link.title'));
  return (
    <div className="page narrow">
      <h1>{t('link.title')}</h1>
      <LinkAccountForm token={params.get('token')} provider={params.get('provider')} />
    </div>
  );
}

import { useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { RegisterForm } from '@/features/auth/components/login-form';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  useDocumentTitle(t('auth.registerTitle'));
  return (
    <div className="page narrow">
      <h1>{t('auth.registerTitle')}</h1>
      <RegisterForm next={params.get('next')} />
    </div>
  );
}

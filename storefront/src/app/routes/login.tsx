import { useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { LoginForm } from '@/features/auth/components/login-form';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  useDocumentTitle(t('auth.loginTitle'));
  const next = params.get('next');
  return (
    <div className="page narrow">
      <h1>{t('auth.loginTitle')}</h1>
      {next === '/checkout' && <p>{t('auth.needLogin')}</p>}
      <LoginForm next={next} />
    </div>
  );
}

import { Navigate, useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { RegisterForm } from '@/features/auth/components/login-form';
import { useMe } from '@/features/auth/api/me';
import { safeNext } from '@/features/auth/components/safe-next';
import { SignInButtons } from '@/features/auth/components/sign-in-buttons';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const me = useMe();
  useDocumentTitle(t('auth.registerTitle'));
  // Someone already logged in has nothing to do here: on to where they were going.
  if (me.data) return <Navigate to={safeNext(params.get('next'))} replace />;
  return (
    <div className="page narrow">
      <h1>{t('auth.registerTitle')}</h1>
      <RegisterForm next={params.get('next')} />
      <SignInButtons next={params.get('next')} />
    </div>
  );
}

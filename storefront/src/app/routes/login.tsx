import { Navigate, useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { paths } from '@/config/paths';
import { LoginForm } from '@/features/auth/components/login-form';
import { useMe } from '@/features/auth/api/me';
import { safeNext } from '@/features/auth/components/safe-next';
import { SignInError } from '@/features/auth/components/sign-in-error';
import { SignInButtons } from '@/features/auth/components/sign-in-buttons';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const me = useMe();
  useDocumentTitle(t('auth.loginTitle'));
  const next = params.get('next');
  const signInError = params.get('signInError');
  // Someone already logged in has nothing to do here: on to where they were going.
  if (me.data) return <Navigate to={safeNext(params.get('next'))} replace />;
  return (
    <div className="page narrow">
      <h1>{t('auth.loginTitle')}</h1>
      {signInError && <SignInError code={signInError} />}
      {next?.split(/[?#]/)[0] === paths.checkout() && <p>{t('auth.needLogin')}</p>}
      <LoginForm next={next} />
      <SignInButtons next={next} />
    </div>
  );
}

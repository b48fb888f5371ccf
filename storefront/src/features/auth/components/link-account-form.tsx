import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { TextField } from '@/components/text-field';
import { paths } from '@/config/paths';
import { ApiError } from '@/lib/api-client';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';
import { useLinkSignIn } from '../api/login';
import { safeNext } from './safe-next';
import { providerName } from './sign-in-buttons';

/** A pending link's token as the shop issues it (32 random bytes, base64url): anything else cannot be linked. */
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The shop found a local account with the email the provider gave, and links the two only when the
 * shopper proves that account's password. A wrong password can be entered again (the token stays
 * usable); a token that expired or was used cannot, and the shopper is sent to sign in again.
 */
export function LinkAccountForm({ token, provider }: { token: string | null; provider: string | null }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const link = useLinkSignIn();
  const [missing, setMissing] = useState<string>();
  const name = providerName(provider, t);
  const code = link.error instanceof ApiError ? link.error.code : undefined;
  if (!token || !LINK_TOKEN.test(token) || code === 'SIGN_IN_EXPIRED' || code === 'PASSWORD_NOT_SET') {
    return (
      <div className="notice notice-error" role="alert">
        <p>{t(code === 'PASSWORD_NOT_SET' ? 'link.passwordNotSet' : 'link.expired')}</p>
        <p>
          <Link to={paths.login()}>{t('link.signInAgain')}</Link>
        </p>
      </div>
    );
  }
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const password = String(new FormData(e.currentTarget).get('password') ?? '');
    setMissing(password ? undefined : t('validation.required', { field: t('auth.password') }));
    if (!password) return;
    link.mutate({ token, password }, { onSuccess: (signedIn) => void navigate(safeNext(signedIn.next), { replace: true }) });
  };
  return (
    <form className="form auth-form" onSubmit={onSubmit} noValidate>
      <p>{t('link.explain', { provider: name })}</p>
      <p>{t('link.after', { provider: name })}</p>
      <TextField label={t('auth.password')} name="password" type="password" autoComplete="current-password" required error={missing} />
      {link.isError && (
        <p className="notice notice-error" role="alert">
          {code === 'INVALID_CREDENTIALS' ? t('link.wrongPassword') : describeError(link.error, t)}
        </p>
      )}
      <button type="submit" className="button button-large" disabled={link.isPending}>
        {t('link.submit')}
      </button>
      <p>
        <Link to={paths.login()}>{t('link.notNow')}</Link>
      </p>
    </form>
  );
}

import { useI18n } from '@/lib/i18n';
import type { MessageKey } from '@/lib/messages';

/** The codes the shop's callback sends a browser back with (`/login?signInError=CODE`, shop/src/accounts/oidc/README.md). */
const SIGN_IN_ERROR_CODES = [
  'SIGN_IN_EXPIRED',
  'SIGN_IN_STATE_MISMATCH',
  'SIGN_IN_CANCELLED',
  'SIGN_IN_CODE_INVALID',
  'SIGN_IN_TOKEN_INVALID',
  'EMAIL_NOT_VERIFIED',
  'SIGN_IN_UNAVAILABLE',
  'SIGN_IN_PROVIDER_UNKNOWN',
] as const;

/** The message for a code from the query string; a code the storefront does not know gets the general one, never someone else's words. */
export function signInErrorMessage(code: string): MessageKey {
  return (SIGN_IN_ERROR_CODES as readonly string[]).includes(code) ? (`error.${code}` as MessageKey) : 'error.SIGN_IN_FAILED';
}

/** Why a sign-in through a provider did not finish, above the ways to try again. */
export function SignInError({ code }: { code: string }) {
  const { t } = useI18n();
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>{t('signIn.failedTitle')}</strong>
      </p>
      <p>{t(signInErrorMessage(code))}</p>
    </div>
  );
}

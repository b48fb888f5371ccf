import { paths } from '@/config/paths';
import type { SignInProviderKey } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';
import type { MessageKey } from '@/lib/messages';
import { useSignInProviders } from '../api/sign-in-providers';
import { safeNext } from './safe-next';
import { SignInSymbol } from './sign-in-symbols';

/** Each provider's own wording for its button (their brand guidelines), in the shopper's language. */
const LABELS: Record<SignInProviderKey, MessageKey> = {
  kakao: 'signIn.kakao',
  naver: 'signIn.naver',
  google: 'signIn.google',
  facebook: 'signIn.facebook',
};

/**
 * "카카오로 시작하기" and the like, one for each provider the shop lists, in its order. Each is a
 * plain link to the shop's start route: the browser leaves for the user pool and the provider,
 * and the shop's callback brings it back to `next`. Nothing shows while the list loads or when it
 * cannot be had: email and password stay the way in.
 */
export function SignInButtons({ next }: { next: string | null }) {
  const { t } = useI18n();
  const providers = useSignInProviders();
  if (!providers.data?.length) return null;
  return (
    <section className="sign-in-providers" aria-label={t('signIn.group')}>
      <p className="sign-in-divider">
        <span>{t('auth.or')}</span>
      </p>
      <ul>
        {providers.data.map(({ key }) => (
          <li key={key}>
            <a className={`sign-in-button sign-in-button-${key}`} href={paths.signInStart(key, safeNext(next))}>
              <SignInSymbol provider={key} />
              <span>{t(LABELS[key])}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A provider's name for sentences ("카카오 계정의 이메일…"), from the key in the shop's redirect; anything else is "another service". */
export function providerName(key: string | null, t: (key: MessageKey) => string): string {
  return key && key in LABELS ? t(`signIn.provider.${key as SignInProviderKey}`) : t('signIn.provider.other');
}

/** The providers the storefront has buttons for (issue 13): the shop's key for each, in no particular order. */
export const SIGN_IN_PROVIDER_KEYS = ['kakao', 'naver', 'google', 'facebook'] as const;
export type SignInProviderKey = (typeof SIGN_IN_PROVIDER_KEYS)[number];

export interface SignInProvider {
  key: SignInProviderKey;
  /** What the user pool calls the provider: sent as `identity_provider`, so the pool skips its chooser. */
  name: string;
}

export class SignInProvidersError extends Error {}

/**
 * Cognito's identity provider names: 1 to 32 characters (CreateIdentityProvider, `ProviderName`);
 * the shop further keeps them to what needs no escaping in a URL or an environment file.
 */
const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

const isProviderKey = (key: string): key is SignInProviderKey => (SIGN_IN_PROVIDER_KEYS as readonly string[]).includes(key);

/** `OIDC_PROVIDERS` (`kakao:Kakao,google:Google`) as a list in its own order; an empty setting is an empty list. */
export function parseSignInProviders(list: string): SignInProvider[] {
  const providers: SignInProvider[] = [];
  for (const entry of list.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const [key = '', name = '', ...rest] = entry.split(':');
    if (rest.length > 0 || !isProviderKey(key) || !POOL_NAME.test(name)) {
      throw new SignInProvidersError(`must list key:PoolName pairs with keys among ${SIGN_IN_PROVIDER_KEYS.join(', ')} (e.g. kakao:Kakao,google:Google), got "${entry}"`);
    }
    if (providers.some((p) => p.key === key)) throw new SignInProvidersError(`names ${key} twice`);
    providers.push({ key, name });
  }
  return providers;
}

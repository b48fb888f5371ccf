import { Type, type Static } from 'typebox';
import { PASSWORD_MAX_LENGTH, User } from '../accounts.schemas.js';
import { SIGN_IN_PROVIDER_KEYS } from './sign-in-providers.js';

/** Far above any path the storefront links to; a longer `next` is refused rather than stored. */
const NEXT_MAX_LENGTH = 2048;
/**
 * The longest callback parameter the shop reads. Cognito's codes are UUIDs and oidc-provider's
 * 43 characters; an `error_description` is a sentence.
 */
const CALLBACK_PARAMETER_MAX_LENGTH = 2048;
/** A pending link's token: 32 random bytes in base64url. */
const LINK_TOKEN_LENGTH = 43;

export const ProvidersBody = Type.Object({
  providers: Type.Array(
    Type.Object({
      key: Type.Union([Type.Literal('kakao'), Type.Literal('naver'), Type.Literal('google'), Type.Literal('facebook')]),
      name: Type.String({ description: "The user pool's name for the provider" }),
    }),
  ),
});

export const StartParams = Type.Object({ provider: Type.String({ maxLength: 32, description: `One of ${SIGN_IN_PROVIDER_KEYS.join(', ')}, as listed by /providers` }) });
export type StartParams = Static<typeof StartParams>;

export const StartQuery = Type.Object({
  next: Type.Optional(Type.String({ maxLength: NEXT_MAX_LENGTH, description: 'A path on this site to go to after signing in; anything else goes home' })),
});
export type StartQuery = Static<typeof StartQuery>;

const CallbackParameter = Type.Optional(Type.String({ maxLength: CALLBACK_PARAMETER_MAX_LENGTH }));

/** The authorization response (OpenID Connect Core §3.1.2.5 and §3.1.2.6, RFC 9207's `iss`). */
export const CallbackQuery = Type.Object({
  code: CallbackParameter,
  state: CallbackParameter,
  iss: CallbackParameter,
  error: CallbackParameter,
  error_description: CallbackParameter,
});
export type CallbackQuery = Static<typeof CallbackQuery>;

export const SignedInBody = Type.Object({ user: User, next: Type.String({ description: 'The same-site path to go to now' }) });

export const LinkBody = Type.Object(
  {
    token: Type.String({ minLength: LINK_TOKEN_LENGTH, maxLength: LINK_TOKEN_LENGTH, pattern: '^[A-Za-z0-9_-]+$' }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
);
export type LinkBody = Static<typeof LinkBody>;

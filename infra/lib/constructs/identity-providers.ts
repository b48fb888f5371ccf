import { SecretValue } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/**
 * The social sign-in providers the user pool can federate, keyed by the name the shop uses
 * (its buttons, `OIDC_PROVIDERS`), each with the `identity_provider` name Cognito knows it by:
 * the value the shop passes to the pool's /oauth2/authorize to skip the provider chooser. This
 * table is the one place that mapping lives (infra/README.md, "Sign-in"; test/user-pool.test.ts).
 *
 * Naver is not here: Naver Login is OAuth 2.0 without OpenID Connect (its developer guide
 * documents an authorization code, an access token and a profile API, `openapi.naver.com/v1/nid/me`,
 * whose answer nests the user under `response`), with no issuer, discovery document, ID token or
 * JWKS. Cognito's OIDC provider verifies an ID token against the issuer's keys, so it cannot
 * federate Naver; the shop signs in with Naver itself if it offers Naver at all.
 */
export const socialProviders = {
  kakao: {
    cognitoName: 'Kakao',
    /** The CDK context parameter holding the provider's client id (Kakao: the app's REST API key). */
    parameter: 'kakaoClientId',
    // Kakao Login's OpenID Connect issuer: discovery at /.well-known/openid-configuration, keys at /.well-known/jwks.json.
    issuerUrl: 'https://kauth.kakao.com',
    // `openid` plus Kakao's consent items for the email and the nickname (Kakao Developers, "Kakao Login: consent items").
    scopes: ['openid', 'account_email', 'profile_nickname'],
  },
  google: { cognitoName: 'Google', parameter: 'googleClientId', scopes: ['openid', 'email', 'profile'] },
  facebook: { cognitoName: 'Facebook', parameter: 'facebookAppId', scopes: ['public_profile', 'email'] },
} as const;

export type SocialProviderKey = keyof typeof socialProviders;

/** The shop's order of the providers (Korean shoppers use Kakao most), and of `OIDC_PROVIDERS`. */
export const socialProviderOrder: readonly SocialProviderKey[] = ['kakao', 'google', 'facebook'];

/**
 * Where the operator keeps a provider's client secret (Facebook: the app secret), as JSON
 * `{"clientSecret": "..."}`. Created by hand before the provider's client id is set (infra/README.md),
 * so no stack ever holds an empty secret for a provider nobody configured.
 */
export function providerSecretName(stackPrefix: string, provider: SocialProviderKey): string {
  return `${stackPrefix}/identity-providers/${provider}`;
}

/** The JSON key of the client secret inside a provider's secret. */
export const providerSecretKey = 'clientSecret';

/**
 * `OIDC_PROVIDERS` for the shop: `key:CognitoName` pairs, comma-separated, in the shop's order,
 * e.g. `kakao:Kakao,google:Google`. Empty when no provider is configured (sign-in with the pool's
 * own accounts only).
 */
export function oidcProvidersValue(configured: readonly SocialProviderKey[]): string {
  return socialProviderOrder
    .filter((key) => configured.includes(key))
    .map((key) => `${key}:${socialProviders[key].cognitoName}`)
    .join(',');
}

export interface IdentityProvidersProps {
  readonly userPool: cognito.IUserPool;
  readonly stackPrefix: string;
  /** The client id of each configured provider; a provider without one is not created. */
  readonly clientIds: Partial<Record<SocialProviderKey, string>>;
}

/**
 * The configured social providers on the user pool. Each maps the email, whether the provider
 * verified it, and a display name; the shop links a social identity to a local account only on a
 * verified email, so a provider that says nothing about verification (Facebook) never links.
 * Client secrets reach CloudFormation as Secrets Manager dynamic references, never as text.
 */
export class IdentityProviders extends Construct {
  /** The configured providers, in the shop's order. */
  public readonly configured: SocialProviderKey[];
  public readonly providers: cognito.IUserPoolIdentityProvider[] = [];

  constructor(scope: Construct, id: string, props: IdentityProvidersProps) {
    super(scope, id);
    this.configured = socialProviderOrder.filter((key) => props.clientIds[key] !== undefined);
    const secret = (key: SocialProviderKey) => SecretValue.secretsManager(providerSecretName(props.stackPrefix, key), { jsonField: providerSecretKey });
    const { userPool } = props;

    const kakaoId = props.clientIds.kakao;
    if (kakaoId !== undefined) {
      const kakao = socialProviders.kakao;
      this.providers.push(
        new cognito.UserPoolIdentityProviderOidc(this, 'Kakao', {
          userPool,
          name: kakao.cognitoName,
          clientId: kakaoId,
          // A dynamic reference ({{resolve:secretsmanager:...}}), resolved by CloudFormation at deploy.
          clientSecret: secret('kakao').unsafeUnwrap(),
          issuerUrl: kakao.issuerUrl,
          scopes: [...kakao.scopes],
          attributeRequestMethod: cognito.OidcAttributeRequestMethod.GET,
          attributeMapping: {
            email: cognito.ProviderAttribute.other('email'),
            emailVerified: cognito.ProviderAttribute.other('email_verified'),
            // Kakao gives every app the nickname; the real name (`name`) only to business apps with that consent item.
            fullname: cognito.ProviderAttribute.other('nickname'),
          },
        }),
      );
    }
    const googleId = props.clientIds.google;
    if (googleId !== undefined) {
      this.providers.push(
        new cognito.UserPoolIdentityProviderGoogle(this, 'Google', {
          userPool,
          clientId: googleId,
          clientSecretValue: secret('google'),
          scopes: [...socialProviders.google.scopes],
          attributeMapping: {
            email: cognito.ProviderAttribute.GOOGLE_EMAIL,
            emailVerified: cognito.ProviderAttribute.GOOGLE_EMAIL_VERIFIED,
            fullname: cognito.ProviderAttribute.GOOGLE_NAME,
          },
        }),
      );
    }
    const facebookId = props.clientIds.facebook;
    if (facebookId !== undefined) {
      this.providers.push(
        new cognito.UserPoolIdentityProviderFacebook(this, 'Facebook', {
          userPool,
          clientId: facebookId,
          clientSecret: secret('facebook').unsafeUnwrap(),
          scopes: [...socialProviders.facebook.scopes],
          // The Graph API has no email_verified field, so none is mapped: Cognito keeps it false.
          attributeMapping: {
            email: cognito.ProviderAttribute.FACEBOOK_EMAIL,
            fullname: cognito.ProviderAttribute.FACEBOOK_NAME,
          },
        }),
      );
    }
  }
}

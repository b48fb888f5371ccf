import { fileURLToPath } from 'node:url';
import { Aws, Duration, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { staffGroupName } from '../../lambda/staff-mfa/handler.js';
import { IdentityProviders, oidcProvidersValue, type SocialProviderKey } from './identity-providers.js';

/** The shop's OpenID Connect routes (the relying party is the shop server, not the browser). */
export const shopOidcPaths = { callback: '/api/auth/oidc/callback', afterLogout: '/' } as const;

/**
 * The shop's password rule, the same as for its local accounts (`PASSWORD_MIN_LENGTH`,
 * shop/src/accounts/accounts.schemas.ts): a minimum length and no composition rules, as NIST
 * SP 800-63B §5.1.1.2 asks ("no other complexity requirements"); the shop refuses common and
 * guessable passwords itself (zxcvbn), which Cognito's policy cannot express.
 */
export const passwordPolicy = { minLength: 8, tempPasswordValidityDays: 3 } as const;

/**
 * Lifetimes of the app client's tokens. The shop exchanges the code once at its callback, checks
 * the ID token and from then on uses its own session cookie, so the tokens only need to live for
 * that exchange; short lives limit what a token leaked into a log could do. The refresh token is
 * at Cognito's minimum: the shop never refreshes. The auth session covers the managed-login pages,
 * long enough to set up an authenticator app on the first staff sign-in.
 */
export const tokenValidity = { idTokenMinutes: 15, accessTokenMinutes: 15, refreshTokenMinutes: 60, authSessionMinutes: 10 } as const;

/** The fixed name of the secret the instances read the shop's client from (App stack, env step). */
export function shopClientSecretName(stackPrefix: string): string {
  return `${stackPrefix}/shop-oidc-client`;
}

/** The JSON keys of that secret's value, written by CloudFormation, read by the env step. */
export const shopClientSecretKeys = {
  issuerUrl: 'issuerUrl',
  clientId: 'clientId',
  clientSecret: 'clientSecret',
  redirectUrl: 'redirectUrl',
  providers: 'providers',
} as const;

/** The custom domain of the managed login pages (a domain configured), with its Route 53 zone. */
export interface SignInDomain {
  /** auth.<domain> */
  readonly domainName: string;
  /** An ACM certificate in us-east-1 covering domainName (Cognito serves it from CloudFront). */
  readonly certificateArn: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
}

export interface UserPoolProps {
  readonly stackPrefix: string;
  /** The shop's public origin, e.g. https://www.shop.example.com or the CloudFront domain. */
  readonly shopOrigin: string;
  /** auth.<domain> with its certificate; without it, a Cognito prefix domain. */
  readonly domain?: SignInDomain;
  readonly identityProviderClientIds: Partial<Record<SocialProviderKey, string>>;
  /** Deletion protection and a retained pool and secret, unless this is a first deploy (parameter deletionProtection). */
  readonly retain: boolean;
}

const triggerDir = fileURLToPath(new URL('../../lambda/staff-mfa/', import.meta.url));

/**
 * Sign-in for the shop on AWS: a Cognito user pool (Plus plan, threat protection enforced) with
 * managed login on auth.<domain>, the configured social providers, a `staff` group whose members
 * must use MFA, and one confidential app client for the shop server (authorization code with
 * PKCE, nothing else). Its settings reach the instances through one secret with a fixed name
 * (shopClientSecretName), so the App stack, deployed before this one, needs no reference to it.
 */
export class UserPool extends Construct {
  public readonly pool: cognito.UserPool;
  public readonly client: cognito.UserPoolClient;
  public readonly domain: cognito.UserPoolDomain;
  public readonly staffGroup: cognito.UserPoolGroup;
  public readonly staffMfaTrigger: nodejs.NodejsFunction;
  public readonly identityProviders: IdentityProviders;
  /** The shop's client settings and secret, JSON (shopClientSecretKeys), read by the instances. */
  public readonly shopClientSecret: secretsmanager.Secret;
  /** https://cognito-idp.<region>.amazonaws.com/<pool id>: the pool's OpenID Connect issuer. */
  public readonly issuerUrl: string;
  public readonly redirectUrl: string;

  constructor(scope: Construct, id: string, props: UserPoolProps) {
    super(scope, id);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.staffMfaTrigger = new nodejs.NodejsFunction(this, 'StaffMfa', {
      description: 'Evermall: refuses tokens to staff who did not sign in with an authenticator app (Cognito pre token generation)',
      entry: `${triggerDir}handler.ts`,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64,
      // Cognito waits 5 seconds for a trigger (Developer Guide, "Customizing user pool workflows with Lambda triggers").
      timeout: Duration.seconds(5),
      memorySize: 256,
      logGroup: new logs.LogGroup(this, 'StaffMfaLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
      },
      depsLockFilePath: fileURLToPath(new URL('../../../package-lock.json', import.meta.url)),
      projectRoot: fileURLToPath(new URL('../../../', import.meta.url)),
    });

    this.pool = new cognito.UserPool(this, 'Pool', {
      signInAliases: { email: true },
      signInCaseSensitive: false,
      selfSignUpEnabled: true,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: passwordPolicy.minLength,
        requireLowercase: false,
        requireUppercase: false,
        requireDigits: false,
        requireSymbols: false,
        tempPasswordValidity: Duration.days(passwordPolicy.tempPasswordValidityDays),
      },
      // Optional for shoppers; staff must have it (the trigger). TOTP only: SMS costs per message,
      // needs an SNS role and sandbox exit, and is the weakest factor (SIM swap).
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      // Plus: compromised-credentials detection and adaptive authentication (threat protection),
      // enforced: risky sign-ins get MFA or are blocked, leaked passwords are refused
      // (Developer Guide, "User pool feature plans"; "Advanced security with threat protection").
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      lambdaTriggers: { preTokenGeneration: this.staffMfaTrigger },
      deletionProtection: props.retain,
      removalPolicy,
    });
    // AdminGetUser on this pool only. A policy of its own, not the role's default policy, which the
    // function depends on: the pool names the function as its trigger, so the function cannot wait
    // for a policy that names the pool.
    new iam.Policy(this, 'StaffMfaReadsUsers', {
      roles: [this.staffMfaTrigger.role!],
      statements: [new iam.PolicyStatement({ actions: ['cognito-idp:AdminGetUser'], resources: [this.pool.userPoolArn] })],
    });

    this.staffGroup = this.pool.addGroup('Staff', {
      groupName: staffGroupName,
      description: 'Evermall staff: the shop grants admin roles from its own data; members must sign in with an authenticator app',
    });

    this.identityProviders = new IdentityProviders(this, 'IdentityProviders', {
      userPool: this.pool,
      stackPrefix: props.stackPrefix,
      clientIds: props.identityProviderClientIds,
    });

    this.domain = props.domain
      ? this.pool.addDomain('Domain', {
          customDomain: {
            domainName: props.domain.domainName,
            certificate: acm.Certificate.fromCertificateArn(this, 'DomainCertificate', props.domain.certificateArn),
          },
          managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
        })
      : this.pool.addDomain('Domain', {
          // Prefix domains are unique per region; the account makes this one unique without a lookup.
          cognitoDomain: { domainPrefix: `${props.stackPrefix.toLowerCase()}-${Aws.ACCOUNT_ID}` },
          managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
        });
    if (props.domain) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.domain.hostedZoneId,
        zoneName: props.domain.hostedZoneName,
      });
      new route53.ARecord(this, 'DomainAlias', {
        zone,
        recordName: props.domain.domainName,
        target: route53.RecordTarget.fromAlias(new targets.UserPoolDomainTarget(this.domain)),
      });
    }

    this.redirectUrl = `${props.shopOrigin}${shopOidcPaths.callback}`;
    this.client = this.pool.addClient('ShopClient', {
      // Confidential: the shop server is the relying party and keeps the secret; no browser sees it.
      generateSecret: true,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [this.redirectUrl],
        logoutUrls: [`${props.shopOrigin}${shopOidcPaths.afterLogout}`],
      },
      supportedIdentityProviders: [
        cognito.UserPoolClientIdentityProvider.COGNITO,
        ...this.identityProviders.providers.map((p) => cognito.UserPoolClientIdentityProvider.custom(p.providerName)),
      ],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.minutes(tokenValidity.idTokenMinutes),
      accessTokenValidity: Duration.minutes(tokenValidity.accessTokenMinutes),
      refreshTokenValidity: Duration.minutes(tokenValidity.refreshTokenMinutes),
      authSessionValidity: Duration.minutes(tokenValidity.authSessionMinutes),
    });
    // The client names the providers, which must exist first.
    for (const provider of this.identityProviders.providers) this.client.node.addDependency(provider);

    // Managed login (version 2) shows a page only for an app client with a style; Cognito's default one.
    new cognito.CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: this.pool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    // ProviderURL is cognito-idp.<region>.amazonaws.com/<pool id>, the issuer of the pool's tokens.
    this.issuerUrl = `https://${this.pool.userPoolProviderUrl}`;
    const clientResource = this.client.node.defaultChild as cognito.CfnUserPoolClient;
    this.shopClientSecret = new secretsmanager.Secret(this, 'ShopClientSecret', {
      secretName: shopClientSecretName(props.stackPrefix),
      description: 'Evermall: the shop server’s Cognito app client (issuer, id, secret, redirect URL, providers), read by the instances’ env step',
      // CloudFormation reads the client secret from the app client (Fn::GetAtt ClientSecret); no template holds it.
      secretObjectValue: {
        [shopClientSecretKeys.issuerUrl]: SecretValue.unsafePlainText(this.issuerUrl),
        [shopClientSecretKeys.clientId]: SecretValue.unsafePlainText(this.client.userPoolClientId),
        [shopClientSecretKeys.clientSecret]: SecretValue.resourceAttribute(clientResource.attrClientSecret),
        [shopClientSecretKeys.redirectUrl]: SecretValue.unsafePlainText(this.redirectUrl),
        [shopClientSecretKeys.providers]: SecretValue.unsafePlainText(oidcProvidersValue(this.identityProviders.configured)),
      },
      removalPolicy,
    });
  }
}

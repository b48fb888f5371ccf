import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { requireStaffMfa, staffGroupName, staffMfaRequired, type PreTokenGenerationEvent, type UserMfaState } from '../lambda/staff-mfa/handler.js';
import { oidcProvidersValue, providerSecretName, socialProviders } from '../lib/constructs/identity-providers.js';
import { instanceDirectories } from '../lib/constructs/user-data.js';
import { passwordPolicy, shopClientSecretName, shopOidcPaths, tokenValidity } from '../lib/constructs/user-pool.js';
import {
  cacheEnvStepInputs,
  cfnLint,
  cfnLintAvailable,
  only,
  renderText,
  resourcesOf,
  synthesize,
  template,
  writeEnvStep,
  type CfnJson,
  type Synthesized,
} from './support/synthesized.js';

/**
 * Sign-in on AWS (issue 13): the Cognito user pool, managed login on auth.<domain>, the social
 * providers only when configured, the shop's confidential app client and how its settings reach
 * the instances, and the staff-MFA trigger.
 */
const clientIds = { kakaoClientId: '0123456789abcdef0123456789abcdef', googleClientId: '1234-abc.apps.googleusercontent.com', facebookAppId: '987654321' };
let withProviders: Synthesized; // production, example domain, every provider configured
let googleOnly: Synthesized; // small, example domain, a first deploy (no protection), Google only
let noDomain: Synthesized; // small, no domain, no provider
beforeAll(() => {
  withProviders = synthesize('example', clientIds);
  googleOnly = synthesize('small-domain', { googleClientId: clientIds.googleClientId, deletionProtection: 'false' });
  noDomain = synthesize('small-no-domain');
});

const pool = (s: Synthesized) => only(template(s, 'identity'), 'AWS::Cognito::UserPool');
const client = (s: Synthesized) => only(template(s, 'identity'), 'AWS::Cognito::UserPoolClient');

describe('the user pool', () => {
  it('signs in by verified email with self sign-up, on the Plus plan with threat protection enforced', () => {
    expect(pool(withProviders).Properties).toMatchObject({
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('makes MFA optional with an authenticator app only, no SMS', () => {
    const p = pool(withProviders).Properties;
    expect(p.MfaConfiguration).toBe('OPTIONAL');
    expect(p.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(p.SmsConfiguration).toBeUndefined();
  });

  it('asks for the shop’s minimum length and no composition rules', () => {
    // The shop's own rule, read from its source: the two must not drift apart.
    const shopRoot = path.resolve(path.dirname(createRequire(import.meta.url).resolve('@evermall/shop/release')), '../..');
    const schemas = readFileSync(path.join(shopRoot, 'src/accounts/accounts.schemas.ts'), 'utf8');
    const shopMinimum = Number(/PASSWORD_MIN_LENGTH = (\d+)/.exec(schemas)?.[1]);
    expect(passwordPolicy.minLength).toBe(shopMinimum);
    expect(pool(withProviders).Properties.Policies.PasswordPolicy).toEqual({
      MinimumLength: shopMinimum,
      RequireLowercase: false,
      RequireUppercase: false,
      RequireNumbers: false,
      RequireSymbols: false,
      TemporaryPasswordValidityDays: passwordPolicy.tempPasswordValidityDays,
    });
  });

  it('is protected and retained like the database, except in a first deploy', () => {
    expect(pool(withProviders).Properties.DeletionProtection).toBe('ACTIVE');
    expect(pool(withProviders).DeletionPolicy).toBe('Retain');
    expect(pool(googleOnly).Properties.DeletionProtection).toBe('INACTIVE');
    expect(pool(googleOnly).DeletionPolicy).toBe('Delete');
    expect(withProviders.stacks.identity.terminationProtection).toBe(true);
    expect(googleOnly.stacks.identity.terminationProtection).toBe(false);
  });

  it('has a staff group whose tokens pass the staff-MFA trigger, which may read this pool’s users only', () => {
    const t = template(withProviders, 'identity');
    t.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: staffGroupName, UserPoolId: { Ref: pool(withProviders).id } });
    const trigger = pool(withProviders).Properties.LambdaConfig.PreTokenGeneration['Fn::GetAtt'][0] as string;
    expect(trigger).toMatch(/^UserPoolStaffMfa/);
    expect(resourcesOf(t, 'AWS::Lambda::Function').find((f) => f.id === trigger)?.Properties).toMatchObject({ Runtime: 'nodejs24.x', Timeout: 5 });
    const statements = resourcesOf(t, 'AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[]);
    expect(statements).toEqual([{ Action: 'cognito-idp:AdminGetUser', Effect: 'Allow', Resource: { 'Fn::GetAtt': [pool(withProviders).id, 'Arn'] } }]);
  });
});

describe('managed login', () => {
  it('runs on auth.<domain> with the us-east-1 certificate and a Route 53 alias', () => {
    const t = template(withProviders, 'identity');
    const domain = only(t, 'AWS::Cognito::UserPoolDomain');
    expect(domain.Properties).toMatchObject({
      Domain: 'auth.shop.example.com',
      CustomDomainConfig: { CertificateArn: withProviders.stacks.parameters.domain?.cloudFrontCertificateArn },
      ManagedLoginVersion: 2,
    });
    const record = only(t, 'AWS::Route53::RecordSet');
    expect(record.Properties).toMatchObject({ Name: 'auth.shop.example.com.', Type: 'A', HostedZoneId: 'Z0123456789EXAMPLE' });
    expect(record.Properties.AliasTarget.DNSName).toEqual({ 'Fn::GetAtt': [domain.id, 'CloudFrontDistribution'] });
    // The app client gets Cognito's default managed-login style (without one its pages show nothing).
    t.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true, ClientId: { Ref: client(withProviders).id } });
  });

  it('is deployed after the apex record it needs (Failover) and the CloudFront domain (Edge); the App stack does not wait for it', () => {
    expect(withProviders.stacks.identity.dependencies).toContain(withProviders.stacks.failover);
    expect(noDomain.stacks.identity.dependencies).toContain(noDomain.stacks.edge);
    expect(withProviders.stacks.app.dependencies).not.toContain(withProviders.stacks.identity);
  });

  it('uses a Cognito prefix domain without a domain of its own', () => {
    const t = template(noDomain, 'identity');
    const domain = only(t, 'AWS::Cognito::UserPoolDomain');
    expect(domain.Properties.CustomDomainConfig).toBeUndefined();
    expect(renderText(domain.Properties.Domain)).toBe('evermall-${Ref:"AWS::AccountId"}');
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
  });
});

describe('the shop’s app client', () => {
  it('allows the authorization code grant only, with a secret, and no password flow', () => {
    const c = client(withProviders).Properties;
    expect(c.AllowedOAuthFlows).toEqual(['code']);
    expect(c.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(c.AllowedOAuthScopes).toEqual(['openid', 'email', 'profile']);
    expect(c.GenerateSecret).toBe(true);
    expect(c.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
    expect(c.PreventUserExistenceErrors).toBe('ENABLED');
    expect(c.EnableTokenRevocation).toBe(true);
    expect(c).toMatchObject({
      IdTokenValidity: tokenValidity.idTokenMinutes,
      AccessTokenValidity: tokenValidity.accessTokenMinutes,
      RefreshTokenValidity: tokenValidity.refreshTokenMinutes,
      AuthSessionValidity: tokenValidity.authSessionMinutes,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' },
    });
    for (const s of [withProviders, googleOnly, noDomain]) {
      const flows = client(s).Properties.AllowedOAuthFlows as string[];
      expect(flows).not.toContain('implicit');
      expect(flows).not.toContain('client_credentials');
    }
  });

  it('sends shoppers back to the shop’s callback and home page on its public origin', () => {
    expect(client(withProviders).Properties.CallbackURLs).toEqual([`https://www.shop.example.com${shopOidcPaths.callback}`]);
    expect(client(withProviders).Properties.LogoutURLs).toEqual(['https://www.shop.example.com/']);
    // Without a domain: the CloudFront distribution's own domain, from the Edge stack.
    const [callback] = client(noDomain).Properties.CallbackURLs as CfnJson[];
    expect(renderText(callback)).toMatch(/^https:\/\/\$\{Fn::ImportValue:"Evermall-Edge:ExportsOutputFnGetAttSpaDistribution[^"]*DomainName[^"]*"\}\/api\/auth\/oidc\/callback$/);
    expect(renderText(client(noDomain).Properties.LogoutURLs[0])).toMatch(/^https:\/\/\$\{Fn::ImportValue:"[^"]*SpaDistribution[^"]*"\}\/$/);
  });
});

describe('social providers', () => {
  it('are created with their parameters: Kakao over OpenID Connect, Google, Facebook, each secret a dynamic reference', () => {
    const idps = resourcesOf(template(withProviders, 'identity'), 'AWS::Cognito::UserPoolIdentityProvider');
    expect(idps.map((i) => [i.Properties.ProviderName, i.Properties.ProviderType]).sort()).toEqual([
      ['Facebook', 'Facebook'],
      ['Google', 'Google'],
      ['Kakao', 'OIDC'],
    ]);
    const byName = Object.fromEntries(idps.map((i) => [i.Properties.ProviderName as string, i.Properties]));
    expect(byName.Kakao).toMatchObject({
      ProviderDetails: {
        client_id: clientIds.kakaoClientId,
        oidc_issuer: 'https://kauth.kakao.com',
        authorize_scopes: 'openid account_email profile_nickname',
        client_secret: '{{resolve:secretsmanager:Evermall/identity-providers/kakao:SecretString:clientSecret::}}',
      },
      AttributeMapping: { email: 'email', email_verified: 'email_verified', name: 'nickname' },
    });
    expect(byName.Google).toMatchObject({
      ProviderDetails: { client_id: clientIds.googleClientId, client_secret: '{{resolve:secretsmanager:Evermall/identity-providers/google:SecretString:clientSecret::}}' },
      AttributeMapping: { email: 'email', email_verified: 'email_verified', name: 'name' },
    });
    // Facebook says nothing about verification, so its email stays unverified and never links an account.
    expect(byName.Facebook).toMatchObject({ ProviderDetails: { client_id: clientIds.facebookAppId }, AttributeMapping: { email: 'email', name: 'name' } });
    expect(byName.Facebook?.AttributeMapping.email_verified).toBeUndefined();
    expect(client(withProviders).Properties.SupportedIdentityProviders).toEqual([
      'COGNITO',
      ...['Kakao', 'Google', 'Facebook'].map((n) => ({ Ref: idps.find((i) => i.Properties.ProviderName === n)!.id })),
    ]);
  });

  it('are left out, with the app client, when their parameters are empty', () => {
    const idps = resourcesOf(template(googleOnly, 'identity'), 'AWS::Cognito::UserPoolIdentityProvider');
    expect(idps.map((i) => i.Properties.ProviderName)).toEqual(['Google']);
    expect(client(googleOnly).Properties.SupportedIdentityProviders).toEqual(['COGNITO', { Ref: idps[0]!.id }]);
    template(noDomain, 'identity').resourceCountIs('AWS::Cognito::UserPoolIdentityProvider', 0);
    expect(client(noDomain).Properties.SupportedIdentityProviders).toEqual(['COGNITO']);
  });

  it('map the shop’s names to Cognito’s in one table, in the shop’s order, without Naver (no OpenID Connect issuer)', () => {
    expect(Object.fromEntries(Object.entries(socialProviders).map(([key, p]) => [key, p.cognitoName]))).toEqual({ kakao: 'Kakao', google: 'Google', facebook: 'Facebook' });
    expect(Object.keys(socialProviders)).not.toContain('naver');
    expect(oidcProvidersValue(['facebook', 'kakao', 'google'])).toBe('kakao:Kakao,google:Google,facebook:Facebook');
    expect(oidcProvidersValue(['google'])).toBe('google:Google');
    expect(oidcProvidersValue([])).toBe('');
    expect(providerSecretName('Evermall', 'kakao')).toBe('Evermall/identity-providers/kakao');
  });
});

describe('the shop client’s secret and the instances', () => {
  const shopSecret = (s: Synthesized) => resourcesOf(template(s, 'identity'), 'AWS::SecretsManager::Secret').find((x) => x.Properties.Name === shopClientSecretName('Evermall'));

  it('holds the issuer, the client id and secret (from the app client, never as text), the redirect URL and the providers', () => {
    const value = renderText(shopSecret(withProviders)?.Properties.SecretString);
    const clientId = client(withProviders).id;
    expect(value).toContain(`"issuerUrl":"https://\${Fn::GetAtt:["${pool(withProviders).id}","ProviderURL"]}"`);
    expect(value).toContain(`"clientId":"\${Ref:"${clientId}"}"`);
    expect(value).toContain(`"clientSecret":"\${Fn::GetAtt:["${clientId}","ClientSecret"]}"`);
    expect(value).toContain(`"redirectUrl":"https://www.shop.example.com${shopOidcPaths.callback}"`);
    expect(value).toContain('"providers":"kakao:Kakao,google:Google,facebook:Facebook"');
    expect(renderText(shopSecret(noDomain)?.Properties.SecretString)).toContain('"providers":""');
  });

  it('is read by the instance role by its name, and the providers’ secrets are not', () => {
    const policies = resourcesOf(template(withProviders, 'app'), 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('FleetInstanceRole'));
    const reads = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[])
      .filter((x) => JSON.stringify(x.Action).includes('secretsmanager:GetSecretValue'))
      .flatMap((x) => (Array.isArray(x.Resource) ? x.Resource : [x.Resource]).map((r: CfnJson) => renderText(r)));
    expect(reads.filter((r) => r.includes('secret:Evermall/'))).toEqual(['arn:aws:secretsmanager:ap-northeast-2:${Ref:"AWS::AccountId"}:secret:Evermall/shop-oidc-client-??????']);
    expect(JSON.stringify(policies)).not.toContain('identity-providers');
    // Nothing in the identity stack grants a read of them either: CloudFormation resolves them at deploy.
    expect(JSON.stringify(resourcesOf(template(withProviders, 'identity'), 'AWS::IAM::Policy'))).not.toContain('secretsmanager');
  });

  it('reaches the shop through the env step: absent means local accounts only, anything else unreadable stops it', () => {
    const userData = renderText(only(template(withProviders, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    expect(userData).toContain(
      `if ! oidc=$(aws secretsmanager get-secret-value --region '\${Ref:"AWS::Region"}' --secret-id '${shopClientSecretName('Evermall')}' --query SecretString --output text 2>"$err"); then`,
    );
    expect(userData).toMatch(/if grep -q ResourceNotFoundException "\$err"; then oidc=''; [^\n]*; else cat "\$err" >&2; rm -f "\$err"; exit 1; fi/);
    expect(userData).toContain('OIDC_CLIENT="$oidc"');
  });

  it('writes OIDC_* into the service environment with the script Node runs as written', () => {
    const userData = renderText(only(template(withProviders, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-oidc-env-'));
    try {
      const envStep = writeEnvStep(userData, instanceDirectories.secrets, dir);
      const app = { host: 'db.example.internal', port: 5433, dbname: 'evermall', username: 'evermall_app', password: 'pw' };
      const toss = { clientKey: 'test_ck_1', secretKey: 'test_sk_1' };
      const oidc = {
        issuerUrl: 'https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_AbCdEf123',
        clientId: '1example23456789',
        clientSecret: 'abcdefghij1234567890abcdefghij1234567890abcdefghij1',
        redirectUrl: 'https://www.shop.example.com/api/auth/oidc/callback',
        providers: 'kakao:Kakao,google:Google',
      };
      const run = (client: unknown) =>
        spawnSync(process.execPath, [envStep], {
          env: {
            APP_SECRET: JSON.stringify(app),
            SESSION_SECRET_VALUE: 's',
            PAYMENT_SECRET: JSON.stringify(toss),
            OIDC_CLIENT: client === '' ? '' : JSON.stringify(client),
            READER_HOST: '',
            ...cacheEnvStepInputs,
          },
          encoding: 'utf8',
        });
      const env = () => readFileSync(path.join(dir, 'shop.env'), 'utf8').split('\n');

      const written = run(oidc);
      expect(written.status, written.stderr).toBe(0);
      expect(env()).toEqual(
        expect.arrayContaining([
          `OIDC_ISSUER_URL=${oidc.issuerUrl}`,
          `OIDC_CLIENT_ID=${oidc.clientId}`,
          `OIDC_CLIENT_SECRET=${oidc.clientSecret}`,
          `OIDC_REDIRECT_URL=${oidc.redirectUrl}`,
          'OIDC_PROVIDERS=kakao:Kakao,google:Google',
          'OIDC_STAFF_GROUP=staff',
        ]),
      );
      expect(run({ ...oidc, providers: '' }).status).toBe(0);
      expect(env()).toContain('OIDC_PROVIDERS=');

      // No Identity stack yet: the shop's environment without sign-in through Cognito.
      expect(run('').status).toBe(0);
      expect(env().some((line) => line.startsWith('OIDC_'))).toBe(false);

      // A value that would break the environment file, or one missing, stops the step and changes nothing.
      rmSync(path.join(dir, 'shop.env'));
      for (const bad of [{ ...oidc, clientSecret: 'x\nSESSION_SECRET=evil' }, { ...oidc, clientId: '' }, { ...oidc, providers: 'naver' }, { issuerUrl: oidc.issuerUrl }]) {
        const refused = run(bad);
        expect(refused.status, JSON.stringify(bad)).not.toBe(0);
        expect(refused.stderr).toContain('the sign-in client secret (Evermall/shop-oidc-client) has no usable');
        expect(existsSync(path.join(dir, 'shop.env'))).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the staff-MFA trigger', () => {
  const event = (groups: string[], triggerSource = 'TokenGeneration_HostedAuth'): PreTokenGenerationEvent => ({
    triggerSource,
    userPoolId: 'ap-northeast-2_AbCdEf123',
    userName: 'f0e1d2c3-0000-4000-8000-000000000001',
    request: { userAttributes: { email: 'kim@example.com' }, groupConfiguration: { groupsToOverride: groups } },
    response: {},
  });
  const deps = (user: UserMfaState) => ({ readUser: vi.fn(async () => user) });

  it('lets shoppers through without looking them up', async () => {
    const d = deps({ status: 'CONFIRMED', mfaSettings: [] });
    const e = event([]);
    await expect(requireStaffMfa(e, d)).resolves.toBe(e);
    await expect(requireStaffMfa({ ...e, request: { userAttributes: {} } }, d)).resolves.toBeDefined();
    expect(d.readUser).not.toHaveBeenCalled();
  });

  it('lets staff through with an authenticator app turned on', async () => {
    const d = deps({ status: 'CONFIRMED', mfaSettings: ['SOFTWARE_TOKEN_MFA'] });
    const e = event(['customers', staffGroupName]);
    await expect(requireStaffMfa(e, d)).resolves.toBe(e);
    expect(d.readUser).toHaveBeenCalledWith('ap-northeast-2_AbCdEf123', 'f0e1d2c3-0000-4000-8000-000000000001');
  });

  it('refuses staff without one, on sign-in and on refresh', async () => {
    for (const source of ['TokenGeneration_HostedAuth', 'TokenGeneration_RefreshTokens']) {
      await expect(requireStaffMfa(event([staffGroupName], source), deps({ status: 'CONFIRMED', mfaSettings: [] }))).rejects.toThrow(
        `${staffMfaRequired}: staff accounts need an authenticator app`,
      );
    }
  });

  it('refuses staff signing in through a social provider, whose second factor Cognito cannot see', async () => {
    await expect(requireStaffMfa(event([staffGroupName]), deps({ status: 'EXTERNAL_PROVIDER', mfaSettings: [] }))).rejects.toThrow(
      `${staffMfaRequired}: staff sign in with their Evermall account`,
    );
  });
});

describe('checks', () => {
  it('has no unacknowledged cdk-nag finding with and without providers, domain or protection', () => {
    for (const s of [withProviders, googleOnly, noDomain]) expect(s.nagFindings, s.name).toEqual([]);
  });

  it.skipIf(!cfnLintAvailable)('passes cfn-lint with 0 errors (skipped without cfn-lint)', () => {
    const result = cfnLint(withProviders.outdir, googleOnly.outdir, noDomain.outdir);
    expect(result.errors, result.output).toEqual([]);
  });
});

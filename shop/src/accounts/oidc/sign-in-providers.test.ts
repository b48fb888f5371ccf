import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';
import { parseSignInProviders } from './sign-in-providers.js';

const base = { DATABASE_URL: 'postgres://shop@127.0.0.1:5432/shop', SESSION_SECRET: 'x'.repeat(32) };
const signIn = {
  OIDC_ISSUER_URL: 'https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_Example',
  OIDC_CLIENT_ID: 'shop-client',
  OIDC_CLIENT_SECRET: 'shop-secret',
  OIDC_REDIRECT_URL: 'https://www.example.com/api/auth/oidc/callback',
  OIDC_PROVIDERS: 'kakao:Kakao,google:Google',
};

const configError = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return { variable: err.variable, message: err.message };
    throw err;
  }
  return undefined;
};

describe('OIDC_PROVIDERS', () => {
  it('keeps the order given, each key with the name the pool knows it by', () => {
    expect(parseSignInProviders(' kakao:Kakao, google:Google ,')).toEqual([
      { key: 'kakao', name: 'Kakao' },
      { key: 'google', name: 'Google' },
    ]);
    expect(parseSignInProviders('')).toEqual([]);
  });

  it.each(['apple:Apple', 'kakao', 'kakao:', 'kakao:Ka kao', 'kakao:Kakao:x', 'kakao:Kakao,kakao:KakaoAgain'])('refuses %j', (list) => {
    expect(() => parseSignInProviders(list)).toThrow();
  });
});

describe('sign-in configuration', () => {
  it('is off with nothing set, and on with the four settings (the provider list may be empty)', () => {
    expect(loadConfig(base).OIDC_ISSUER_URL).toBeUndefined();
    expect(loadConfig({ ...base, ...signIn }).OIDC_PROVIDERS).toBe('kakao:Kakao,google:Google');
    expect(loadConfig({ ...base, ...signIn, OIDC_PROVIDERS: '' }).OIDC_CLIENT_ID).toBe('shop-client');
  });

  it.each(['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URL'] as const)('names %s when it is missing and the rest is set', (variable) => {
    expect(configError({ ...signIn, [variable]: '' })?.variable).toBe(variable);
  });

  it('refuses a provider list or a staff group without the rest', () => {
    expect(configError({ OIDC_PROVIDERS: 'kakao:Kakao' })?.variable).toBe('OIDC_ISSUER_URL');
    expect(configError({ OIDC_STAFF_GROUP: 'staff' })?.message).toMatch(/OIDC_ISSUER_URL is required when OIDC_STAFF_GROUP is set/);
  });

  it('allows http only on loopback, as for TOSS_API_URL', () => {
    expect(configError({ ...signIn, OIDC_ISSUER_URL: 'http://auth.example.com' })?.variable).toBe('OIDC_ISSUER_URL');
    expect(configError({ ...signIn, OIDC_REDIRECT_URL: 'http://www.example.com/api/auth/oidc/callback' })?.variable).toBe('OIDC_REDIRECT_URL');
    expect(configError({ ...signIn, OIDC_ISSUER_URL: 'http://127.0.0.2:4000', OIDC_REDIRECT_URL: 'http://localhost:8000/api/auth/oidc/callback' })).toBeUndefined();
  });

  it('names OIDC_PROVIDERS when the list is malformed', () => {
    expect(configError({ ...signIn, OIDC_PROVIDERS: 'kakao:Kakao,apple:Apple' })).toMatchObject({ variable: 'OIDC_PROVIDERS', message: expect.stringMatching(/"apple:Apple"/) });
  });
});

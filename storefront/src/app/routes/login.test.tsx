// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, screen } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { signInErrorMessage } from '@/features/auth/components/sign-in-error';
import { en, ko } from '@/lib/messages';
import { json, renderWithProviders } from '@/testing/render';
import { Component as Login } from './login';

const CODES = [
  'SIGN_IN_EXPIRED',
  'SIGN_IN_STATE_MISMATCH',
  'SIGN_IN_CANCELLED',
  'SIGN_IN_CODE_INVALID',
  'SIGN_IN_TOKEN_INVALID',
  'EMAIL_NOT_VERIFIED',
  'SIGN_IN_UNAVAILABLE',
  'SIGN_IN_PROVIDER_UNKNOWN',
];

/** A visitor (401 at /me) at a shop that signs in through Kakao. */
const visitorShop = () =>
  vi.fn((url: string) => {
    if (url === '/api/auth/me') return Promise.resolve(json(401, { error: { code: 'UNAUTHENTICATED', message: 'Not logged in.' } }));
    if (url === '/api/auth/oidc/providers') return Promise.resolve(json(200, { providers: [{ key: 'kakao', name: 'Kakao' }] }));
    return Promise.resolve(json(500, { error: { code: 'INTERNAL', message: `unexpected ${url}` } }));
  });

const renderLogin = (url: string) =>
  renderWithProviders(
    <Routes>
      <Route path="/login" element={<Login />} />
    </Routes>,
    { url },
  );

describe('the login page after a sign-in through a provider failed', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('gives each code its own message in Korean and English', () => {
    const keys = CODES.map(signInErrorMessage);
    expect(new Set(keys).size).toBe(CODES.length);
    for (const key of keys) {
      expect(key).not.toBe('error.SIGN_IN_FAILED');
      expect(ko[key]).toBeTruthy();
      expect(en[key]).toBeTruthy();
      expect(en[key]).not.toBe(ko[key]);
    }
  });

  it.each([
    ['SIGN_IN_CANCELLED', '로그인이 취소되었습니다. 다시 시도하거나 이메일과 비밀번호로 로그인해 주세요.'],
    ['SIGN_IN_EXPIRED', '로그인 시간이 지났거나 이미 끝난 로그인입니다. 다시 시도해 주세요.'],
    ['SIGN_IN_UNAVAILABLE', '지금은 이 서비스로 로그인할 수 없습니다. 그동안에는 이메일과 비밀번호로 로그인해 주세요.'],
    ['EMAIL_NOT_VERIFIED', '로그인한 서비스가 이메일 주소를 인증하지 않았습니다. 그 서비스에서 이메일을 인증하거나, 이메일과 비밀번호로 가입해 주세요.'],
  ])('says what %s means above the ways to try again', async (code, message) => {
    vi.stubGlobal('fetch', visitorShop());
    renderLogin(`/login?signInError=${code}`);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(`로그인하지 못했습니다${message}`);
    // Both ways in are still there: email and password, and the provider again.
    expect(await screen.findByRole('link', { name: '카카오로 시작하기' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '로그인' })).toBeTruthy();
  });

  it('answers a code it does not know with the general message, not words from the address bar', async () => {
    vi.stubGlobal('fetch', visitorShop());
    renderLogin('/login?signInError=%3Cb%3Eyou%20were%20hacked%3C%2Fb%3E');
    expect((await screen.findByRole('alert')).textContent).toBe(`로그인하지 못했습니다${ko['error.SIGN_IN_FAILED']}`);
    expect(signInErrorMessage('INTERNAL')).toBe('error.SIGN_IN_FAILED');
  });

  it('shows no error on an ordinary visit', async () => {
    vi.stubGlobal('fetch', visitorShop());
    renderLogin('/login');
    await screen.findByRole('link', { name: '카카오로 시작하기' });
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

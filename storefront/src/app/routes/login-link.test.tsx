// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { json, renderWithProviders } from '@/testing/render';
import { Component as LoginLink } from './login-link';

const TOKEN = 'a'.repeat(43);
const minji = { id: 7, email: 'minji@evermall.test', name: '김민지', role: 'customer' };

/** The shop's /link: `answers` in turn, one per POST; every body sent is kept. */
function shopLinking(answers: Response[]) {
  const sent: unknown[] = [];
  const fetch = vi.fn((url: string, init?: RequestInit) => {
    if (url === '/api/auth/oidc/link' && init?.method === 'POST') {
      sent.push(JSON.parse(String(init.body)));
      return Promise.resolve(answers.shift() ?? json(500, { error: { code: 'INTERNAL', message: 'no more answers' } }));
    }
    if (url === '/api/cart') return Promise.resolve(json(200, { lines: [], totalWon: 0 }));
    return Promise.resolve(json(500, { error: { code: 'INTERNAL', message: `unexpected ${url}` } }));
  });
  return { fetch, sent };
}

const renderLink = (url: string) =>
  renderWithProviders(
    <Routes>
      <Route path="/login/link" element={<LoginLink />} />
      <Route path="/login" element={<h1>로그인 페이지</h1>} />
      <Route path="/checkout" element={<h1>주문 페이지</h1>} />
    </Routes>,
    { url },
  );

const enterPassword = (password: string) => {
  fireEvent.change(screen.getByLabelText('비밀번호'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: '연결하고 로그인' }));
};

describe('linking a sign-in to the local account with the same email', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("explains why, asks for the account's password, links, and goes where the shopper was going", async () => {
    const shop = shopLinking([json(200, { user: minji, next: '/checkout' })]);
    vi.stubGlobal('fetch', shop.fetch);
    renderLink(`/login/link?token=${TOKEN}&provider=kakao`);
    expect(screen.getByText(/카카오 계정의 이메일 주소로 가입된 Evermall 계정이 이미 있습니다/)).toBeTruthy();
    expect(screen.getByText(/비밀번호를 확인하기 전에는 연결되지 않습니다/)).toBeTruthy();
    enterPassword('minji-password-1');
    await screen.findByRole('heading', { name: '주문 페이지' });
    expect(shop.sent).toEqual([{ token: TOKEN, password: 'minji-password-1' }]);
  });

  it('says a wrong password is wrong and lets the shopper try again with the same link', async () => {
    const shop = shopLinking([json(401, { error: { code: 'INVALID_CREDENTIALS', message: 'Email or password is incorrect.' } }), json(200, { user: minji, next: '/checkout' })]);
    vi.stubGlobal('fetch', shop.fetch);
    renderLink(`/login/link?token=${TOKEN}&provider=kakao`);
    enterPassword('not-my-password');
    expect((await screen.findByRole('alert')).textContent).toBe('비밀번호가 맞지 않습니다. 다시 입력해 주세요.');
    enterPassword('minji-password-1');
    await screen.findByRole('heading', { name: '주문 페이지' });
    expect(shop.sent).toEqual([
      { token: TOKEN, password: 'not-my-password' },
      { token: TOKEN, password: 'minji-password-1' },
    ]);
  });

  it('says an expired link has expired, with no password field, and links to sign in again', async () => {
    const shop = shopLinking([json(400, { error: { code: 'SIGN_IN_EXPIRED', message: 'This account link has expired or was already used.' } })]);
    vi.stubGlobal('fetch', shop.fetch);
    renderLink(`/login/link?token=${TOKEN}&provider=kakao`);
    enterPassword('minji-password-1');
    expect((await screen.findByRole('alert')).textContent).toContain('계정 연결 시간이 지났거나 이미 사용되었습니다. 다시 로그인해 주세요.');
    expect(screen.queryByLabelText('비밀번호')).toBeNull();
    fireEvent.click(screen.getByRole('link', { name: '다시 로그인하기' }));
    await screen.findByRole('heading', { name: '로그인 페이지' });
  });

  it('treats a link without a token like an expired one, without asking the shop', async () => {
    const shop = shopLinking([]);
    vi.stubGlobal('fetch', shop.fetch);
    renderLink('/login/link?provider=kakao');
    expect(screen.getByRole('alert').textContent).toContain('다시 로그인해 주세요.');
    expect(screen.queryByLabelText('비밀번호')).toBeNull();
    expect(shop.fetch).not.toHaveBeenCalled();
  });
});

// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, screen } from '@testing-library/react';
import { json, renderWithProviders } from '@/testing/render';
import { SignInButtons } from './sign-in-buttons';

function shopListing(providers: { key: string; name: string }[]) {
  return vi.fn((url: string) =>
    Promise.resolve(url === '/api/auth/oidc/providers' ? json(200, { providers }) : json(500, { error: { code: 'INTERNAL', message: `unexpected ${url}` } })),
  );
}

describe('the sign-in buttons', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("shows a button only for each provider the shop lists, in its order, each a link to the shop's start with where the shopper was going", async () => {
    vi.stubGlobal(
      'fetch',
      shopListing([
        { key: 'google', name: 'Google' },
        { key: 'kakao', name: 'Kakao' },
      ]),
    );
    renderWithProviders(<SignInButtons next="/checkout?buy=sneakers-1&qty=2" />);
    const google = await screen.findByRole('link', { name: 'Google로 계속하기' });
    const kakao = screen.getByRole('link', { name: '카카오로 시작하기' });
    expect(google.getAttribute('href')).toBe(`/api/auth/oidc/google/start?next=${encodeURIComponent('/checkout?buy=sneakers-1&qty=2')}`);
    expect(kakao.getAttribute('href')).toBe(`/api/auth/oidc/kakao/start?next=${encodeURIComponent('/checkout?buy=sneakers-1&qty=2')}`);
    expect(screen.getAllByRole('link').map((a) => a.textContent)).toEqual(['Google로 계속하기', '카카오로 시작하기']);
    expect(screen.queryByRole('link', { name: '네이버로 시작하기' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Facebook으로 계속하기' })).toBeNull();
    expect(screen.getByRole('region', { name: '다른 서비스 계정으로 로그인' })).toBeTruthy();
  });

  it('sends a shopper who came from nowhere, or from another site, home afterwards', async () => {
    vi.stubGlobal('fetch', shopListing([{ key: 'naver', name: 'Naver' }]));
    const { unmount } = renderWithProviders(<SignInButtons next={null} />);
    expect((await screen.findByRole('link', { name: '네이버로 시작하기' })).getAttribute('href')).toBe('/api/auth/oidc/naver/start?next=%2F');
    unmount();
    renderWithProviders(<SignInButtons next="//evil.test/steal" />);
    expect((await screen.findByRole('link', { name: '네이버로 시작하기' })).getAttribute('href')).toBe('/api/auth/oidc/naver/start?next=%2F');
  });

  it('shows nothing when sign-in through providers is off or the list cannot be had', async () => {
    const listing = shopListing([]);
    vi.stubGlobal('fetch', listing);
    const { container, unmount } = renderWithProviders(<SignInButtons next={null} />);
    await vi.waitFor(() => expect(listing).toHaveBeenCalled());
    expect(container.querySelector('a')).toBeNull();
    expect(screen.queryByText('또는')).toBeNull();
    unmount();

    const down = vi.fn(() => Promise.resolve(json(503, { error: { code: 'TEMPORARILY_UNAVAILABLE', message: 'down' } })));
    vi.stubGlobal('fetch', down);
    const page = renderWithProviders(<SignInButtons next={null} />);
    await vi.waitFor(() => expect(down).toHaveBeenCalled());
    expect(page.container.querySelector('a')).toBeNull();
  });
});

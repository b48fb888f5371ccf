// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import type { SalesReport } from '@/lib/api-types';
import { json, renderWithProviders } from '@/testing/render';
import { Component as SalesPage } from './sales';

const days = ['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30'];
const revenue = [0, 258000, 0, 129000, 0, 0, 5000];
const units = [0, 2, 0, 1, 0, 0, 1];
const orders = [0, 1, 0, 1, 0, 0, 1];

const week: SalesReport = {
  from: days[0]!,
  to: days[6]!,
  totals: { units: 4, revenueWon: 392000, orders: 3 },
  daily: days.map((day, i) => ({ day, units: units[i]!, revenueWon: revenue[i]!, orders: orders[i]! })),
  topProducts: [
    { productId: 3, sku: 'EM-3', name: '한정판 운동화', nameEn: 'Drop sneakers', units: 3, revenueWon: 387000 },
    { productId: 9, sku: 'EM-9', name: '양말', nameEn: 'Socks', units: 1, revenueWon: 5000 },
  ],
  categories: [
    { categoryId: 1, slug: 'shoes', name: '신발', nameEn: 'Shoes', units: 3, revenueWon: 387000 },
    { categoryId: 2, slug: 'socks', name: '양말류', nameEn: 'Socks', units: 1, revenueWon: 5000 },
  ],
  stockLow: [{ productId: 3, sku: 'EM-3', name: '한정판 운동화', nameEn: 'Drop sneakers', stock: 2, lowUnits: 10, currentStock: 0, at: '2026-11-30T03:00:00.000Z' }],
};

const empty: SalesReport = {
  ...week,
  totals: { units: 0, revenueWon: 0, orders: 0 },
  daily: days.map((day) => ({ day, units: 0, revenueWon: 0, orders: 0 })),
  topProducts: [],
  categories: [],
  stockLow: [],
};

/** The shop's sales route: answers `report` for any period and records the periods asked for. */
function shop(report: (days: string | null) => SalesReport | Response) {
  const asked: (string | null)[] = [];
  const fetch = vi.fn((url: string) => {
    const u = new URL(url, 'http://shop.test');
    if (u.pathname !== '/api/admin/sales') return Promise.resolve(json(500, { error: { code: 'INTERNAL', message: `unexpected ${url}` } }));
    asked.push(u.searchParams.get('days'));
    const answer = report(u.searchParams.get('days'));
    return Promise.resolve(answer instanceof Response ? answer : json(200, answer));
  });
  vi.stubGlobal('fetch', fetch);
  return asked;
}

const renderPage = (url: string) =>
  renderWithProviders(
    <Routes>
      <Route path="/admin/sales" element={<SalesPage />} />
    </Routes>,
    { url },
  );

describe('the staff sales page', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('shows the totals, a bar per day, the categories, the top products and the low-stock alerts', async () => {
    const asked = shop(() => week);
    renderPage('/admin/sales?days=7');
    const totals = await screen.findByRole('region', { name: '기간 합계' });
    expect(
      within(totals)
        .getAllByRole('definition')
        .map((d) => d.textContent),
    ).toEqual(['₩392,000', '4개', '3']);
    expect(asked).toEqual(['7']);
    expect((screen.getByLabelText('기간') as HTMLSelectElement).value).toBe('7');

    const revenueChart = screen.getByRole('img', { name: /^일별 매출액/ });
    expect(revenueChart.getAttribute('aria-label')).toBe('일별 매출액, 11월 24일 ~ 11월 30일: 합계 ₩392,000, 가장 많은 날 11월 25일 (₩258,000)');
    const bars = revenueChart.querySelectorAll('rect');
    expect(bars).toHaveLength(7);
    // The best day fills the plot's height (100), half its revenue half of it; a day without sales has none.
    const height = (i: number) => Number(bars[i]!.getAttribute('height'));
    expect(height(1)).toBe(100);
    expect(height(3)).toBe(50);
    expect(height(0)).toBe(0);
    expect(bars[1]!.textContent).toBe('11월 25일: ₩258,000');
    expect(screen.getByRole('img', { name: /^일별 판매 수량/ }).getAttribute('aria-label')).toContain('합계 4개');

    const categories = within(screen.getByRole('region', { name: '카테고리별 매출' })).getAllByRole('listitem');
    expect(categories.map((li) => li.textContent)).toEqual(['신발₩387,000 · 3개', '양말류₩5,000 · 1개']);

    const top = within(screen.getByRole('region', { name: '많이 팔린 상품' }));
    expect(top.getByRole('link', { name: '한정판 운동화' }).getAttribute('href')).toBe('/admin/products/3');
    expect(top.getAllByRole('row').map((r) => r.textContent)).toEqual(['순위상품SKU판매 수량매출액', '1한정판 운동화EM-33₩387,000', '2양말EM-91₩5,000']);

    const alerts = within(screen.getByRole('region', { name: '재고 부족 알림' }));
    const [, alert] = alerts.getAllByRole('row');
    expect(within(alert!).getByRole('link', { name: '한정판 운동화' })).toBeDefined();
    expect(
      within(alert!)
        .getAllByRole('cell')
        .map((c) => c.textContent)
        .slice(2),
    ).toEqual(['EM-3', '2 (기준 10)', '0']);
  });

  it('asks the shop for the period picked, and starts at 30 days for a missing or unknown ?days', async () => {
    const asked = shop(() => week);
    renderPage('/admin/sales?days=12');
    await screen.findByRole('region', { name: '기간 합계' });
    expect(asked).toEqual(['30']);
    fireEvent.change(screen.getByLabelText('기간'), { target: { value: '90' } });
    await waitFor(() => expect(asked).toEqual(['30', '90']));
    expect((screen.getByLabelText('기간') as HTMLSelectElement).value).toBe('90');
  });

  it('says so when the period has no sales and no alerts', async () => {
    shop(() => empty);
    renderPage('/admin/sales');
    await screen.findByRole('region', { name: '기간 합계' });
    expect(screen.getByRole('img', { name: /^일별 매출액/ }).getAttribute('aria-label')).toBe('일별 매출액, 11월 24일 ~ 11월 30일: 판매가 없습니다.');
    expect(screen.getAllByText('이 기간에 판매가 없습니다.')).toHaveLength(2);
    expect(screen.getByText('이 기간에 재고 부족 알림이 없습니다.')).toBeDefined();
  });

  it('shows a refusal from the shop as an error with a retry', async () => {
    shop(() => json(403, { error: { code: 'FORBIDDEN', message: 'You are not allowed to do that.' } }));
    renderPage('/admin/sales');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('이 작업을 할 권한이 없습니다.');
    expect(within(alert).getByRole('button', { name: '다시 시도' })).toBeDefined();
  });
});

import type { ReactNode } from 'react';
import { render } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { I18nProvider } from '@/lib/i18n';
import { createQueryClient } from '@/lib/query-client';

/** Renders a component with the app's providers, in Korean, on a memory router at `url`. */
export function renderWithProviders(ui: ReactNode, { url = '/' }: { url?: string } = {}) {
  const queryClient = createQueryClient();
  return {
    queryClient,
    ...render(
      <QueryClientProvider client={queryClient}>
        <I18nProvider locale="ko">
          <MemoryRouter initialEntries={[url]}>{ui}</MemoryRouter>
        </I18nProvider>
      </QueryClientProvider>,
    ),
  };
}

/** A fetch Response with a JSON body. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

import { useState, type ReactNode } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { setUnauthorizedHandler } from '@/lib/api-client';
import { I18nProvider } from '@/lib/i18n';
import { createQueryClient } from '@/lib/query-client';

/** Query cache, language and the one 401 rule: a 401 anywhere means "no longer logged in". */
export function AppProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => {
    const client = createQueryClient();
    setUnauthorizedHandler(() => client.setQueryData(['me'], null));
    return client;
  });
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider>{children}</I18nProvider>
    </QueryClientProvider>
  );
}

import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { config } from '@/config/env';
import { apiRequest } from '@/lib/api-client';
import { useApiReachable } from '@/lib/api-status';
import { useI18n } from '@/lib/i18n';

/**
 * Says plainly when the shop's API cannot be reached, probes it until it answers, then
 * refetches everything on screen. The page keeps showing what it had meanwhile.
 */
export function ApiStatusBanner() {
  const reachable = useApiReachable();
  const queryClient = useQueryClient();
  const { t } = useI18n();
  useEffect(() => {
    if (reachable) return;
    const timer = setInterval(() => {
      apiRequest('/categories').then(
        () => queryClient.invalidateQueries(),
        () => undefined,
      );
    }, config.reconnectProbeMs);
    return () => clearInterval(timer);
  }, [reachable, queryClient]);
  return (
    <div role="status" aria-live="polite" className={reachable ? 'visually-hidden' : 'banner banner-offline'}>
      {reachable ? '' : t('banner.offline')}
    </div>
  );
}

import { useEffect } from 'react';
import { ApiError } from '@/lib/api-client';
import { config } from '@/config/env';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';

/**
 * What a failed read shows: a plain message and a retry button. While the failure is transient
 * (the API is unreachable) it keeps retrying by itself, so the page recovers without a click.
 */
export function QueryError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useI18n();
  const transient = error instanceof ApiError && error.transient;
  useEffect(() => {
    if (!transient) return;
    const timer = setInterval(onRetry, config.reconnectProbeMs);
    return () => clearInterval(timer);
  }, [transient, onRetry]);
  return (
    <div className="notice notice-error" role="alert">
      <p>{describeError(error, t)}</p>
      <button type="button" className="button button-secondary" onClick={onRetry}>
        {t('error.retry')}
      </button>
    </div>
  );
}

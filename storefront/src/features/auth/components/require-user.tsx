import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import { useI18n } from '@/lib/i18n';
import { useMe } from '../api/me';

/**
 * Shows its children to a logged-in user (an admin when `admin` is set). A visitor is sent to
 * login and back; a customer at a staff page is told plainly that it is for staff.
 */
export function RequireUser({ admin = false, children }: { admin?: boolean; children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  const { t } = useI18n();
  if (me.isPending) {
    return (
      <LoadingRegion label={t('loading')}>
        <Skeleton height="2em" width="40%" />
        <Skeleton height="10em" />
      </LoadingRegion>
    );
  }
  if (me.isError) return <QueryError error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) return <Navigate to={paths.login(location.pathname + location.search)} replace />;
  if (admin && me.data.role !== 'admin') {
    return (
      <section className="page narrow" aria-labelledby="forbidden-title">
        <h1 id="forbidden-title">{t('error.FORBIDDEN')}</h1>
        <p className="notice notice-error">{t('admin.forbidden')}</p>
      </section>
    );
  }
  return <>{children}</>;
}

import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import type { StaffOrderStatus } from '@/lib/api-types';
import { describeError } from '@/lib/errors';
import { formatDate } from '@/lib/format';
import { useI18n } from '@/lib/i18n';
import { nextStatuses, useAdminOrders, useSetOrderStatus } from '../api/orders';

/** Every order, newest first, with the status changes staff may make. */
export function OrderTable() {
  const { t, won, locale } = useI18n();
  const orders = useAdminOrders();
  const setStatus = useSetOrderStatus();
  if (orders.isPending) {
    return (
      <LoadingRegion label={t('loading')}>
        <Skeleton height="2.5em" />
        <Skeleton height="2.5em" />
      </LoadingRegion>
    );
  }
  if (orders.isError) return <QueryError error={orders.error} onRetry={() => void orders.refetch()} />;
  if (orders.data.length === 0) return <p className="empty">{t('admin.noOrders')}</p>;
  return (
    <>
      {setStatus.isError && (
        <p className="notice notice-error" role="alert">
          {describeError(setStatus.error, t)}
        </p>
      )}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('order.date')}</th>
              <th scope="col">{t('admin.customer')}</th>
              <th scope="col" className="num">
                {t('order.total')}
              </th>
              <th scope="col">{t('order.status')}</th>
            </tr>
          </thead>
          <tbody>
            {orders.data.map((o) => {
              const next = nextStatuses(o.status);
              return (
                <tr key={o.id}>
                  <td>{o.id}</td>
                  <td>{formatDate(o.createdAt, locale)}</td>
                  <td>{o.customer.email}</td>
                  <td className="num">{won(o.totalWon)}</td>
                  <td>
                    <label htmlFor={`status-${o.id}`} className="visually-hidden">
                      {t('admin.orderStatus', { id: o.id })}
                    </label>
                    <select
                      id={`status-${o.id}`}
                      value={o.status}
                      disabled={next.length === 0 || setStatus.isPending}
                      onChange={(e) => setStatus.mutate({ id: o.id, status: e.target.value as StaffOrderStatus })}
                    >
                      {[o.status, ...next].map((s) => (
                        <option key={s} value={s}>
                          {t(`status.${s}`)}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

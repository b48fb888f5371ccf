import { Link } from 'react-router';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import { formatDate } from '@/lib/format';
import { useI18n } from '@/lib/i18n';
import { useOrders } from '../api/get-orders';

export function OrderList() {
  const { t, won, locale } = useI18n();
  const orders = useOrders();
  if (orders.isPending) {
    return (
      <LoadingRegion label={t('loading')}>
        <Skeleton height="3em" />
        <Skeleton height="3em" />
      </LoadingRegion>
    );
  }
  if (orders.isError) return <QueryError error={orders.error} onRetry={() => void orders.refetch()} />;
  if (orders.data.length === 0) return <p className="empty">{t('order.none')}</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t('order.date')}</th>
            <th scope="col">{t('order.status')}</th>
            <th scope="col" className="num">
              {t('order.total')}
            </th>
          </tr>
        </thead>
        <tbody>
          {orders.data.map((o) => (
            <tr key={o.id}>
              <td>
                <Link to={paths.order(o.id)} aria-label={t('order.view', { id: o.id })}>
                  {o.id}
                </Link>
              </td>
              <td>{formatDate(o.createdAt, locale)}</td>
              <td>{t(`status.${o.status}`)}</td>
              <td className="num">{won(o.totalWon)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

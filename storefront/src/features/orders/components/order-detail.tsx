import type { ReactNode } from 'react';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import type { Order } from '@/lib/api-types';
import { formatDate } from '@/lib/format';
import { useI18n } from '@/lib/i18n';
import { useOrder } from '../api/get-orders';

export interface OrderDetailProps {
  id: string;
  /** Shows the confirmation heading. */
  placed: boolean;
  /** What the page offers for this order below its status, e.g. checkout's "Pay now" (features do not import each other). */
  actions?: (order: Order) => ReactNode;
}

/** One order: status, lines, total and where it goes. */
export function OrderDetail({ id, placed, actions }: OrderDetailProps) {
  const { t, won, locale } = useI18n();
  const order = useOrder(id);
  if (order.isPending) {
    return (
      <LoadingRegion label={t('loading')}>
        <Skeleton height="2em" width="50%" />
        <Skeleton height="8em" />
      </LoadingRegion>
    );
  }
  if (order.isError) return <QueryError error={order.error} onRetry={() => void order.refetch()} />;
  const o = order.data;
  return (
    <article className="order-detail">
      {placed ? (
        <div className="notice notice-ok" role="status">
          <h1>{t('order.placedTitle')}</h1>
          <p>{t('order.placedBody', { id: o.id })}</p>
        </div>
      ) : (
        <h1>{t('order.title', { id: o.id })}</h1>
      )}
      <dl className="order-meta">
        <dt>{t('order.date')}</dt>
        <dd>{formatDate(o.createdAt, locale)}</dd>
        <dt>{t('order.status')}</dt>
        <dd data-testid="order-status">{t(`status.${o.status}`)}</dd>
        <dt>{t('order.shipTo')}</dt>
        <dd>
          {o.shipping.name}, {[o.shipping.postalCode, o.shipping.city, o.shipping.address1, o.shipping.address2].filter(Boolean).join(' ')}
        </dd>
      </dl>
      {actions?.(o)}
      <h2>{t('order.items')}</h2>
      <ul className="order-lines">
        {o.lines.map((l) => (
          <li key={l.productId}>
            <span>{l.name}</span>
            <span className="muted">{t('cart.lineTotal', { qty: l.quantity, price: won(l.unitPriceWon) })}</span>
            <span>{won(l.unitPriceWon * l.quantity)}</span>
          </li>
        ))}
      </ul>
      <p className="cart-total">
        <span>{t('order.total')}</span> <strong>{won(o.totalWon)}</strong>
      </p>
    </article>
  );
}

import { Link } from 'react-router';
import { ProductImage } from '@/components/product-image';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import type { CartLine } from '@/lib/api-types';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';
import { useCart } from '../api/get-cart';
import { useUpdateCartItem } from '../api/update-item';

function CartLineRow({ line, onChange, busy }: { line: CartLine; onChange: (quantity: number) => void; busy: boolean }) {
  const { t, won } = useI18n();
  const inputId = `qty-${line.productId}`;
  return (
    <li className="cart-line">
      <ProductImage src={line.image} alt={line.name} sizes="80px" className="cart-line-image" noImageLabel={t('product.noImage')} />
      <div className="cart-line-info">
        <Link to={paths.product(line.slug)}>{line.name}</Link>
        <span className="muted">{t('cart.lineTotal', { qty: line.quantity, price: won(line.unitPriceWon) })}</span>
        {line.quantity > line.available && <span className="stock stock-out">{line.available <= 0 ? t('product.soldOut') : t('product.left', { n: line.available })}</span>}
      </div>
      <div className="cart-line-qty">
        <label htmlFor={inputId} className="visually-hidden">
          {t('cart.quantityOf', { name: line.name })}
        </label>
        <select id={inputId} value={line.quantity} disabled={busy} onChange={(e) => onChange(Number(e.target.value))}>
          {Array.from({ length: Math.max(line.quantity, Math.min(line.available, 20)) }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <button type="button" className="button-link" onClick={() => onChange(0)} aria-label={t('cart.removeItem', { name: line.name })}>
          {t('cart.remove')}
        </button>
      </div>
      <span className="cart-line-total">{won(line.lineTotalWon)}</span>
    </li>
  );
}

/** The cart page body: lines with quantity and remove, the total, and the way to checkout. */
export function CartView() {
  const { t, won } = useI18n();
  const cart = useCart();
  const update = useUpdateCartItem();
  if (cart.isPending) {
    return (
      <LoadingRegion label={t('loading')}>
        <Skeleton height="5em" />
        <Skeleton height="5em" />
      </LoadingRegion>
    );
  }
  if (cart.isError) return <QueryError error={cart.error} onRetry={() => void cart.refetch()} />;
  if (cart.data.lines.length === 0) {
    return (
      <div className="empty">
        <p>{t('cart.empty')}</p>
        <Link to={paths.home()} className="button">
          {t('cart.continue')}
        </Link>
      </div>
    );
  }
  return (
    <div className="cart">
      <ul className="cart-lines">
        {cart.data.lines.map((line) => (
          <CartLineRow key={line.productId} line={line} busy={update.isPending} onChange={(quantity) => update.mutate({ productId: line.productId, quantity })} />
        ))}
      </ul>
      {update.isError && (
        <p className="notice notice-error" role="alert">
          {describeError(update.error, t)}
        </p>
      )}
      <div className="cart-summary">
        <p className="cart-total">
          <span>{t('cart.total')}</span> <strong data-testid="cart-total">{won(cart.data.totalWon)}</strong>
        </p>
        <Link to={paths.checkout()} className="button button-large">
          {t('cart.checkout')}
        </Link>
      </div>
    </div>
  );
}

/** The count on the header's cart link. */
export function CartCount() {
  const cart = useCart();
  const n = cart.data?.itemCount ?? 0;
  return n > 0 ? <span className="badge">{n}</span> : null;
}

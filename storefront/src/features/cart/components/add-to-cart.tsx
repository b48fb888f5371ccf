import { useId, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { paths } from '@/config/paths';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';
import { useAddCartItem } from '../api/add-item';

/**
 * Quantity and "add to cart" for one product; says sold out instead when there is none.
 * `alongside` renders another action for the chosen quantity next to the button (the product
 * page puts checkout's "buy now" there).
 */
export function AddToCart({ productId, stock, alongside }: { productId: number; stock: number; alongside?: (quantity: number) => ReactNode }) {
  const { t } = useI18n();
  const id = useId();
  const [quantity, setQuantity] = useState(1);
  const add = useAddCartItem();
  const soldOut = stock <= 0;
  const max = Math.max(1, stock);
  return (
    <form
      className="add-to-cart"
      onSubmit={(e) => {
        e.preventDefault();
        // One key per click: the hook's retries resend it, so a retried add adds once.
        if (!add.isPending) add.mutate({ productId, quantity, idempotencyKey: crypto.randomUUID() });
      }}
    >
      <div className="field field-inline">
        <label htmlFor={id}>{t('product.quantity')}</label>
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={1}
          max={max}
          value={quantity}
          disabled={soldOut}
          onChange={(e) => setQuantity(Math.min(max, Math.max(1, Math.floor(Number(e.target.value) || 1))))}
        />
      </div>
      <button type="submit" className="button" disabled={soldOut || add.isPending}>
        {soldOut ? t('product.soldOut') : add.isPending ? t('product.adding') : t('product.addToCart')}
      </button>
      {alongside?.(quantity)}
      <div role="status" aria-live="polite" className="add-to-cart-status">
        {add.isSuccess && (
          <p className="notice notice-ok">
            {t('product.added')} <Link to={paths.cart()}>{t('product.goToCart')}</Link>
          </p>
        )}
      </div>
      {add.isError && (
        <p className="notice notice-error" role="alert">
          {describeError(add.error, t)}
        </p>
      )}
    </form>
  );
}

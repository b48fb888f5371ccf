import { useState, type FormEvent } from 'react';
import { TextField } from '@/components/text-field';
import type { Product } from '@/lib/api-types';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';
import { useAdjustStock, useSetStock } from '../api/products';

/** Set the stock to a counted figure, or adjust it by a delta with a reason. */
export function StockControls({ product }: { product: Product }) {
  const { t } = useI18n();
  const set = useSetStock();
  const adjust = useAdjustStock();
  const [stock, setStockValue] = useState(String(product.stock));
  const [delta, setDelta] = useState('');
  const [reason, setReason] = useState('');
  const onSet = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(stock);
    if (Number.isInteger(n) && n >= 0) set.mutate({ id: product.id, stock: n });
  };
  const onAdjust = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(delta);
    if (Number.isInteger(n) && n !== 0 && reason.trim()) {
      adjust.mutate({ id: product.id, delta: n, reason: reason.trim() }, { onSuccess: () => (setDelta(''), setReason('')) });
    }
  };
  const error = set.error ?? adjust.error;
  return (
    <section className="stock-controls" aria-labelledby="stock-title">
      <h2 id="stock-title">
        {t('admin.stock')}: <span data-testid="admin-stock">{product.stock}</span>
      </h2>
      <form className="form form-row" onSubmit={onSet}>
        <TextField label={t('admin.stockValue')} name="stock" type="number" min={0} inputMode="numeric" value={stock} onChange={(e) => setStockValue(e.target.value)} />
        <button type="submit" className="button" disabled={set.isPending}>
          {t('admin.setStock')}
        </button>
      </form>
      <form className="form form-row" onSubmit={onAdjust}>
        <TextField label={t('admin.delta')} name="delta" type="number" inputMode="numeric" value={delta} onChange={(e) => setDelta(e.target.value)} />
        <TextField label={t('admin.reason')} name="reason" value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} />
        <button type="submit" className="button" disabled={adjust.isPending}>
          {t('admin.adjust')}
        </button>
      </form>
      <div role="status" aria-live="polite">
        {(set.isSuccess || adjust.isSuccess) && !error && <p className="notice notice-ok">{t('admin.saved')}</p>}
      </div>
      {error && (
        <p className="notice notice-error" role="alert">
          {describeError(error, t)}
        </p>
      )}
    </section>
  );
}

import { useI18n } from '@/lib/i18n';

/** The threshold below which shoppers are told how many are left. */
export const FEW_LEFT = 5;

/** "Sold out", "3 left" or "In stock", in words and not only in colour. */
export function StockState({ stock }: { stock: number }) {
  const { t } = useI18n();
  if (stock <= 0) return <span className="stock stock-out">{t('product.soldOut')}</span>;
  if (stock <= FEW_LEFT) return <span className="stock stock-low">{t('product.left', { n: stock })}</span>;
  return <span className="stock stock-in">{t('product.inStock')}</span>;
}

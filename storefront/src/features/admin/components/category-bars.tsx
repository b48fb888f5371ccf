import type { SalesCategory } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';

/**
 * Revenue per category as horizontal bars, longest first. Each row carries its figures as text,
 * so the bar itself is decoration and hidden from screen readers.
 */
export function CategoryBars({ categories }: { categories: SalesCategory[] }) {
  const { t, won, pick } = useI18n();
  const longest = Math.max(1, ...categories.map((c) => c.revenueWon));
  return (
    <ul className="bar-list">
      {categories.map((c) => (
        <li key={c.categoryId}>
          <span className="bar-label">{pick(c)}</span>
          <span className="bar-track" aria-hidden="true">
            <span className="bar-fill" style={{ width: `${(Math.max(0, c.revenueWon) / longest) * 100}%` }} />
          </span>
          <span className="bar-value">
            {won(c.revenueWon)} · {t('sales.unitsCount', { n: c.units })}
          </span>
        </li>
      ))}
    </ul>
  );
}

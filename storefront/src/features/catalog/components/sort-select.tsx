import { useId } from 'react';
import type { ProductSort } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';

export const SORTS: ProductSort[] = ['newest', 'price_asc', 'price_desc', 'name'];

export function SortSelect({ value, onChange }: { value: ProductSort; onChange: (sort: ProductSort) => void }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="sort-select">
      <label htmlFor={id}>{t('list.sort')}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as ProductSort)}>
        {SORTS.map((s) => (
          <option key={s} value={s}>
            {t(`sort.${s}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

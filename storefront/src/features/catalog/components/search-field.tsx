import { useEffect, useId, useState } from 'react';
import { config } from '@/config/env';
import { useI18n } from '@/lib/i18n';

/**
 * The search input. It reports what was typed after a short quiet time, so results follow
 * the typing without a request per keystroke.
 */
export function SearchField({ initial, onSearch, autoFocus = false }: { initial: string; onSearch: (q: string) => void; autoFocus?: boolean }) {
  const { t } = useI18n();
  const id = useId();
  const [value, setValue] = useState(initial);
  useEffect(() => setValue(initial), [initial]);
  useEffect(() => {
    if (value.trim() === initial.trim()) return;
    const timer = setTimeout(() => onSearch(value.trim()), config.searchDebounceMs);
    return () => clearTimeout(timer);
  }, [value, initial, onSearch]);
  return (
    <form
      role="search"
      className="search-field"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(value.trim());
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        {t('search.label')}
      </label>
      <input
        id={id}
        type="search"
        name="q"
        value={value}
        placeholder={t('search.placeholder')}
        autoComplete="off"
        maxLength={100}
        autoFocus={autoFocus}
        onChange={(e) => setValue(e.target.value)}
      />
    </form>
  );
}

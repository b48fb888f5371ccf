import { NavLink } from 'react-router';
import { QueryError } from '@/components/query-error';
import { Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import { useI18n } from '@/lib/i18n';
import { useCategories } from '../api/get-categories';

/** The top-level categories as links (chips on the home page, a nav in the header). */
export function CategoryList({ label, className = 'category-list' }: { label: string; className?: string }) {
  const categories = useCategories();
  const { pick } = useI18n();
  if (categories.isPending) {
    return (
      <div className={className} aria-hidden="true">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} width="6em" height="2.2em" />
        ))}
      </div>
    );
  }
  if (categories.isError) return <QueryError error={categories.error} onRetry={() => void categories.refetch()} />;
  return (
    <nav aria-label={label}>
      <ul className={className}>
        {categories.data.map((c) => (
          <li key={c.id}>
            <NavLink to={paths.category(c.slug)}>{pick(c)}</NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

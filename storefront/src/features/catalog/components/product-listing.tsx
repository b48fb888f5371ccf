import { config } from '@/config/env';
import { QueryError } from '@/components/query-error';
import type { ProductListQuery, ProductSort } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';
import { useProducts } from '../api/get-products';
import { Pagination } from './pagination';
import { ProductGrid, ProductGridSkeleton } from './product-grid';
import { SortSelect } from './sort-select';

/** A sortable, paged list of products for a category or a search. */
export function ProductListing({
  query,
  sort,
  page,
  onSort,
  onPage,
  label,
  emptyText,
}: {
  query: Omit<ProductListQuery, 'sort' | 'page' | 'limit'>;
  sort: ProductSort;
  page: number;
  onSort: (sort: ProductSort) => void;
  onPage: (page: number) => void;
  label: string;
  emptyText: string;
}) {
  const { t } = useI18n();
  const products = useProducts({ ...query, sort, page, limit: config.pageSize });
  const total = products.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / config.pageSize));
  return (
    <div className="listing">
      <div className="listing-bar">
        <p className="listing-count" aria-live="polite">
          {products.data ? t('list.count', { n: total }) : ''}
        </p>
        <SortSelect value={sort} onChange={onSort} />
      </div>
      {products.isPending ? (
        <ProductGridSkeleton />
      ) : products.isError ? (
        <QueryError error={products.error} onRetry={() => void products.refetch()} />
      ) : products.data.items.length === 0 ? (
        <p className="empty">{emptyText}</p>
      ) : (
        <>
          <div className={products.isPlaceholderData ? 'stale' : undefined}>
            <ProductGrid products={products.data.items} label={label} />
          </div>
          <Pagination page={page} pages={pages} onPage={onPage} />
        </>
      )}
    </div>
  );
}

import { useParams, useSearchParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { findCategory, useCategories } from '@/features/catalog/api/get-categories';
import { ProductListing } from '@/features/catalog/components/product-listing';
import { SORTS } from '@/features/catalog/components/sort-select';
import type { ProductSort } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';

export function useListingParams() {
  const [params, setParams] = useSearchParams();
  const rawSort = params.get('sort') as ProductSort | null;
  const sort: ProductSort = rawSort && SORTS.includes(rawSort) ? rawSort : 'newest';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const update = (changes: Record<string, string | null>) =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      for (const [k, v] of Object.entries(changes))
        if (v === null) next.delete(k);
        else next.set(k, v);
      return next;
    });
  return {
    params,
    sort,
    page,
    onSort: (s: ProductSort) => update({ sort: s, page: null }),
    onPage: (n: number) => {
      update({ page: String(n) });
      window.scrollTo({ top: 0 });
    },
    update,
  };
}

export function Component() {
  const { slug = '' } = useParams();
  const { t, pick } = useI18n();
  const categories = useCategories();
  const category = categories.data ? findCategory(categories.data, slug) : undefined;
  const name = category ? pick(category) : slug;
  useDocumentTitle(name);
  const listing = useListingParams();
  return (
    <div className="page">
      <h1>{name}</h1>
      <ProductListing query={{ category: slug }} sort={listing.sort} page={listing.page} onSort={listing.onSort} onPage={listing.onPage} label={name} emptyText={t('list.empty')} />
    </div>
  );
}

import { useDocumentTitle } from '@/components/document-title';
import { ProductListing } from '@/features/catalog/components/product-listing';
import { useI18n } from '@/lib/i18n';
import { useListingParams } from './category';

/** Search results; the query is typed into the header's search field and lives in the URL. */
export function Component() {
  const { t } = useI18n();
  const listing = useListingParams();
  const q = (listing.params.get('q') ?? '').trim();
  const title = q ? t('search.resultsFor', { q }) : t('search.title');
  useDocumentTitle(title);
  return (
    <div className="page">
      <h1>{title}</h1>
      {q ? (
        <ProductListing query={{ q }} sort={listing.sort} page={listing.page} onSort={listing.onSort} onPage={listing.onPage} label={title} emptyText={t('search.none', { q })} />
      ) : (
        <p>{t('search.prompt')}</p>
      )}
    </div>
  );
}

import { useState } from 'react';
import { Link } from 'react-router';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { config } from '@/config/env';
import { paths } from '@/config/paths';
import { useI18n } from '@/lib/i18n';
import { useDebouncedValue } from '@/lib/use-debounced-value';
import { useAdminProducts } from '../api/products';

/** All products, inactive ones included, with a search box. */
export function ProductTable() {
  const { t, won } = useI18n();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const search = useDebouncedValue(q.trim(), config.searchDebounceMs);
  const products = useAdminProducts({ q: search || undefined, page, limit: config.pageSize });
  const total = products.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / config.pageSize));
  return (
    <div>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="admin-search">{t('admin.search')}</label>
          <input
            id="admin-search"
            type="search"
            value={q}
            onChange={(e) => {
              setQ(e.target.value);
              setPage(1);
            }}
          />
        </div>
        <Link to={paths.adminNewProduct()} className="button">
          {t('admin.newProduct')}
        </Link>
      </div>
      {products.isPending ? (
        <LoadingRegion label={t('loading')}>
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} height="2.5em" />
          ))}
        </LoadingRegion>
      ) : products.isError ? (
        <QueryError error={products.error} onRetry={() => void products.refetch()} />
      ) : products.data.items.length === 0 ? (
        <p className="empty">{t('admin.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('admin.nameKo')}</th>
                <th scope="col">{t('admin.sku')}</th>
                <th scope="col" className="num">
                  {t('admin.price.col')}
                </th>
                <th scope="col" className="num">
                  {t('admin.stock')}
                </th>
                <th scope="col">{t('admin.active')}</th>
              </tr>
            </thead>
            <tbody>
              {products.data.items.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={paths.adminProduct(p.id)}>{p.name}</Link>
                  </td>
                  <td>{p.sku}</td>
                  <td className="num">{won(p.priceWon)}</td>
                  <td className="num">{p.stock}</td>
                  <td>{p.active ? '✓' : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 && (
        <nav className="pagination" aria-label={t('page.nav')}>
          <button type="button" className="button button-secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            {t('page.prev')}
          </button>
          <span>{t('page.current', { page, pages })}</span>
          <button type="button" className="button button-secondary" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            {t('page.next')}
          </button>
        </nav>
      )}
    </div>
  );
}

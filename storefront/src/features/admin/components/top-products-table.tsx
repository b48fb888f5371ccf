import { Link } from 'react-router';
import { paths } from '@/config/paths';
import type { SalesProduct } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';

/** The products with the most revenue in the period, each linked to its staff page. */
export function TopProductsTable({ products }: { products: SalesProduct[] }) {
  const { t, won, pick } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('sales.rank')}
            </th>
            <th scope="col">{t('sales.product')}</th>
            <th scope="col">{t('admin.sku')}</th>
            <th scope="col" className="num">
              {t('sales.units')}
            </th>
            <th scope="col" className="num">
              {t('sales.revenue')}
            </th>
          </tr>
        </thead>
        <tbody>
          {products.map((p, i) => (
            <tr key={p.productId}>
              <td className="num">{i + 1}</td>
              <td>
                <Link to={paths.adminProduct(p.productId)}>{pick(p)}</Link>
              </td>
              <td>{p.sku}</td>
              <td className="num">{p.units}</td>
              <td className="num">{won(p.revenueWon)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

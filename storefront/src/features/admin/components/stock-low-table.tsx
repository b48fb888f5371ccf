import { Link } from 'react-router';
import { paths } from '@/config/paths';
import type { StockLowEntry } from '@/lib/api-types';
import { formatDate } from '@/lib/format';
import { useI18n } from '@/lib/i18n';

/** The latest `stock.low` announcements, newest first, with the stock then and now. */
export function StockLowTable({ entries }: { entries: StockLowEntry[] }) {
  const { t, pick, locale } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('sales.alertedAt')}</th>
            <th scope="col">{t('sales.product')}</th>
            <th scope="col">{t('admin.sku')}</th>
            <th scope="col" className="num">
              {t('sales.stockAtAlert')}
            </th>
            <th scope="col" className="num">
              {t('sales.stockNow')}
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={`${i}-${e.productId}`}>
              <td>{formatDate(e.at, locale)}</td>
              <td>
                <Link to={paths.adminProduct(e.productId)}>{pick(e)}</Link>
              </td>
              <td>{e.sku}</td>
              <td className="num">{t('sales.stockOfThreshold', { stock: e.stock, lowUnits: e.lowUnits })}</td>
              <td className="num">{e.currentStock}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { formatDay } from '@/lib/format';
import { useI18n } from '@/lib/i18n';
import { SALES_PERIODS, useSalesReport } from '../api/sales';
import { CategoryBars } from './category-bars';
import { DailyBarChart } from './daily-bar-chart';
import { StockLowTable } from './stock-low-table';
import { TopProductsTable } from './top-products-table';

/** The sales figures of the last `days` days: totals, revenue and units per day, categories, top products, low-stock alerts. */
export function SalesReport({ days, onDaysChange }: { days: number; onDaysChange: (days: number) => void }) {
  const { t, won, locale } = useI18n();
  const report = useSalesReport(days);
  const units = (n: number) => t('sales.unitsCount', { n });
  return (
    <div className="sales-report">
      <div className="toolbar">
        <div className="field">
          <label htmlFor="sales-period">{t('sales.period')}</label>
          <select id="sales-period" value={days} onChange={(e) => onDaysChange(Number(e.target.value))}>
            {SALES_PERIODS.map((d) => (
              <option key={d} value={d}>
                {t('sales.lastDays', { days: d })}
              </option>
            ))}
          </select>
        </div>
        {report.data && <p className="muted">{t('sales.window', { from: report.data.from, to: report.data.to })}</p>}
      </div>
      {report.isPending ? (
        <LoadingRegion label={t('loading')}>
          <Skeleton height="3em" />
          <Skeleton height="12em" />
          <Skeleton height="12em" />
        </LoadingRegion>
      ) : report.isError ? (
        <QueryError error={report.error} onRetry={() => void report.refetch()} />
      ) : (
        <>
          <p className="muted">{t('sales.source')}</p>
          <section aria-labelledby="sales-totals">
            <h2 id="sales-totals">{t('sales.totals')}</h2>
            <dl className="sales-totals">
              <div>
                <dt>{t('sales.revenue')}</dt>
                <dd>{won(report.data.totals.revenueWon)}</dd>
              </div>
              <div>
                <dt>{t('sales.units')}</dt>
                <dd>{units(report.data.totals.units)}</dd>
              </div>
              <div>
                <dt>{t('sales.orders')}</dt>
                <dd>{report.data.totals.orders}</dd>
              </div>
            </dl>
          </section>
          <div className="chart-grid">
            <DailyBarChart title={t('sales.revenuePerDay')} points={report.data.daily.map((d) => ({ day: d.day, value: d.revenueWon }))} format={won} />
            <DailyBarChart title={t('sales.unitsPerDay')} points={report.data.daily.map((d) => ({ day: d.day, value: d.units }))} format={units} />
          </div>
          <details className="sales-daily">
            <summary>{t('sales.dailyTable')}</summary>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('sales.day')}</th>
                    <th scope="col" className="num">
                      {t('sales.revenue')}
                    </th>
                    <th scope="col" className="num">
                      {t('sales.units')}
                    </th>
                    <th scope="col" className="num">
                      {t('sales.orders')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {report.data.daily.toReversed().map((d) => (
                    <tr key={d.day}>
                      <th scope="row">{formatDay(d.day, locale)}</th>
                      <td className="num">{won(d.revenueWon)}</td>
                      <td className="num">{d.units}</td>
                      <td className="num">{d.orders}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
          <section aria-labelledby="sales-categories">
            <h2 id="sales-categories">{t('sales.byCategory')}</h2>
            {report.data.categories.length ? <CategoryBars categories={report.data.categories} /> : <p className="empty">{t('sales.noSales')}</p>}
          </section>
          <section aria-labelledby="sales-top">
            <h2 id="sales-top">{t('sales.topProducts')}</h2>
            {report.data.topProducts.length ? <TopProductsTable products={report.data.topProducts} /> : <p className="empty">{t('sales.noSales')}</p>}
          </section>
          <section aria-labelledby="sales-stock-low">
            <h2 id="sales-stock-low">{t('sales.stockLow')}</h2>
            {report.data.stockLow.length ? <StockLowTable entries={report.data.stockLow} /> : <p className="empty">{t('sales.noStockLow')}</p>}
          </section>
        </>
      )}
    </div>
  );
}

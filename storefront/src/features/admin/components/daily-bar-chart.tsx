import { formatDay } from '@/lib/format';
import { useI18n } from '@/lib/i18n';

export interface DailyPoint {
  /** `YYYY-MM-DD` */
  day: string;
  value: number;
}

/** The plot's height in its own units; its width is one unit per day, and CSS stretches both. */
const PLOT_HEIGHT = 100;
/** The share of a day's width left empty between two bars. */
const BAR_GAP = 0.2;

/**
 * One figure per day as a bar chart, drawn as SVG without a chart library: the page needs bars
 * over a few hundred days and nothing more. The SVG is one image whose name states the total and
 * the best day, so a screen reader hears what the bars show; each bar's `<title>` gives its day
 * and figure on hover. Labels are HTML beside the plot, so they stay readable however the plot
 * is stretched. Figures are never negative: a cancelled order is taken off the day it was placed.
 */
export function DailyBarChart({ title, points, format }: { title: string; points: DailyPoint[]; format: (value: number) => string }) {
  const { t, locale } = useI18n();
  const values = points.map((p) => p.value);
  const max = Math.max(0, ...values);
  const height = (value: number) => (max ? (value / max) * PLOT_HEIGHT : 0);
  const first = points[0];
  const last = points.at(-1);
  const peak = points.reduce<DailyPoint | undefined>((best, p) => (best === undefined || p.value > best.value ? p : best), undefined);
  const total = values.reduce((sum, v) => sum + v, 0);
  const range = { title, from: first ? formatDay(first.day, locale) : '', to: last ? formatDay(last.day, locale) : '' };
  const summary =
    peak && max > 0 ? t('sales.chartSummary', { ...range, total: format(total), peak: format(peak.value), peakDay: formatDay(peak.day, locale) }) : t('sales.chartEmpty', range);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-plot">
        <div className="chart-y" aria-hidden="true">
          <span>{format(max)}</span>
          <span>{format(0)}</span>
        </div>
        <svg viewBox={`0 0 ${Math.max(points.length, 1)} ${PLOT_HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={summary}>
          {points.map((p, i) => (
            <rect key={p.day} className="chart-bar" x={i + BAR_GAP / 2} width={1 - BAR_GAP} y={PLOT_HEIGHT - height(p.value)} height={height(p.value)}>
              <title>{`${formatDay(p.day, locale)}: ${format(p.value)}`}</title>
            </rect>
          ))}
        </svg>
        <div className="chart-x" aria-hidden="true">
          <span>{range.from}</span>
          <span>{range.to}</span>
        </div>
      </div>
    </figure>
  );
}

export type Locale = 'ko' | 'en';

const intlLocale: Record<Locale, string> = { ko: 'ko-KR', en: 'en-US' };
const wonFormatters = new Map<Locale, Intl.NumberFormat>();

/** A price in won as shoppers read it: `₩12,900` (KRW has no minor unit). */
export function formatWon(won: number, locale: Locale = 'ko'): string {
  let f = wonFormatters.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(intlLocale[locale], { style: 'currency', currency: 'KRW', currencyDisplay: 'symbol', maximumFractionDigits: 0 });
    wonFormatters.set(locale, f);
  }
  return f.format(won);
}

export function formatDate(iso: string, locale: Locale = 'ko'): string {
  return new Intl.DateTimeFormat(intlLocale[locale], { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** Fills `{name}` placeholders. */
export function interpolate(template: string, vars: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

const dayFormatters = new Map<Locale, Intl.DateTimeFormat>();

/** A calendar day (`YYYY-MM-DD`, no time of day) as people read it: `11월 30일`, `Nov 30`. */
export function formatDay(day: string, locale: Locale = 'ko'): string {
  let f = dayFormatters.get(locale);
  if (!f) {
    // UTC on both sides: the day is a date, not an instant, so no zone may move it.
    f = new Intl.DateTimeFormat(intlLocale[locale], { month: 'short', day: 'numeric', timeZone: 'UTC' });
    dayFormatters.set(locale, f);
  }
  return f.format(new Date(`${day}T00:00:00Z`));
}

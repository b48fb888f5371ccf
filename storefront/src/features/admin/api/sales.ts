import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { SalesReport } from '@/lib/api-types';

/** The windows staff pick from; the shop accepts any 1–366. */
export const SALES_PERIODS = [7, 30, 90, 365] as const;
export const SALES_DEFAULT_PERIOD = 30;

export const getSalesReport = (days: number, signal?: AbortSignal) => api.get<SalesReport>('/admin/sales', { days }, signal);

export const salesReportQueryOptions = (days: number) =>
  queryOptions({
    queryKey: ['admin', 'sales', days],
    queryFn: ({ signal }) => getSalesReport(days, signal),
    // The old period stays on screen while the new one loads, so the charts do not blink away.
    placeholderData: keepPreviousData,
    staleTime: 0,
  });

export const useSalesReport = (days: number) => useQuery(salesReportQueryOptions(days));

/** The period a `?days=` value asks for, or the default when it is not one staff can pick. */
export function salesPeriod(value: string | null): number {
  const days = Number(value);
  return (SALES_PERIODS as readonly number[]).includes(days) ? days : SALES_DEFAULT_PERIOD;
}

import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { PaymentsConfig } from '@/lib/api-types';

/** How the shop takes payments: a card in the checkout body, or Toss Payments' window after checkout. */
export async function getPaymentsConfig(signal?: AbortSignal): Promise<PaymentsConfig> {
  return api.get<PaymentsConfig>('/payments/config', undefined, signal);
}

/**
 * The provider changes only with a deploy, so one read per visit is enough; a checkout refused
 * with PAYMENT_METHOD_UNSUPPORTED invalidates it (usePlaceOrder).
 */
export const paymentsConfigQueryOptions = () => queryOptions({ queryKey: ['payments-config'], queryFn: ({ signal }) => getPaymentsConfig(signal), staleTime: Infinity });

export const usePaymentsConfig = () => useQuery(paymentsConfigQueryOptions());

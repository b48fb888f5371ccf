import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest } from '@/lib/api-client';
import type { Order, PlaceOrderBody } from '@/lib/api-types';

export interface PlaceOrderInput {
  idempotencyKey: string;
  /** With `items`, the order is exactly these lines ("buy now") and the shop leaves the cart as it is; without, it orders the cart. */
  body: PlaceOrderBody;
}

export interface PlacedOrder {
  order: Order;
  /** The shop had already placed this order for this key (a retry or a second click). */
  replayed: boolean;
}

export async function placeOrder({ idempotencyKey, body }: PlaceOrderInput): Promise<PlacedOrder> {
  const res = await apiRequest<Order>('/checkout', { method: 'POST', json: body, headers: { 'Idempotency-Key': idempotencyKey } });
  return { order: res.data, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

/** How many times a transient failure is retried with the same key before the shopper is asked. */
export const CHECKOUT_RETRIES = 4;

/**
 * Places the order. A transient failure (the API unreachable, a 503 during a failover) is
 * retried with the same idempotency key, so the shop creates the order at most once.
 */
export function usePlaceOrder() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: placeOrder,
    retry: (count, error) => error instanceof ApiError && error.transient && count < CHECKOUT_RETRIES,
    retryDelay: (attempt) => Math.min(1000 * 2 ** attempt, 8000),
    onSuccess: async ({ order }, { body }) => {
      // A buy now leaves the cart as it was; only a cart checkout empties it. An order waiting
      // for its payment in Toss's window keeps the cart as the page shows it until the shopper
      // leaves: refreshed now, the emptied cart would swap the checkout form away under the window.
      if (!body.items && order.status !== 'pending_payment') await queryClient.invalidateQueries({ queryKey: ['cart'] });
      await queryClient.invalidateQueries({ queryKey: ['orders'] });
    },
    onError: async (error) => {
      // The shop's provider changed under this page (a deploy): read it again, so the form shows the new one.
      if (error instanceof ApiError && error.code === 'PAYMENT_METHOD_UNSUPPORTED') await queryClient.invalidateQueries({ queryKey: ['payments-config'] });
    },
  });
}

/** The cart as the shop has it now; for an order waiting for its payment, once the shopper leaves the checkout form. */
export function useRefreshCart() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['cart'] });
}

export interface ShortLine {
  productId?: number;
  name?: string;
  requested?: number;
  available?: number;
}

/** The lines an OUT_OF_STOCK answer names in its `details`. */
export function shortLinesOf(error: unknown): ShortLine[] {
  if (!(error instanceof ApiError) || error.code !== 'OUT_OF_STOCK' || !Array.isArray(error.details)) return [];
  return (error.details as unknown[]).filter((l): l is ShortLine => typeof l === 'object' && l !== null);
}

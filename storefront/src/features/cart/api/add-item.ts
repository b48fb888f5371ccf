import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest } from '@/lib/api-client';
import type { Cart } from '@/lib/api-types';
import { CART_KEY } from './get-cart';

export interface AddItemInput {
  productId: number;
  quantity: number;
  /** One per shopper action (a fresh UUID per click): the shop applies the add once however often it is sent. */
  idempotencyKey: string;
}

export async function addCartItem({ idempotencyKey, ...body }: AddItemInput): Promise<Cart> {
  const res = await apiRequest<Cart>('/cart/items', { method: 'POST', json: body, headers: { 'Idempotency-Key': idempotencyKey } });
  return res.data;
}

/** How many times a transient failure is retried with the same key before the shopper is told. */
export const ADD_ITEM_RETRIES = 3;

/**
 * Adds to the cart. A transient failure (the API unreachable, a 503 during a failover) is retried
 * with the same idempotency key, so the units are added once.
 */
export function useAddCartItem() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: addCartItem,
    retry: (count, error) => error instanceof ApiError && error.transient && count < ADD_ITEM_RETRIES,
    retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 4000),
    onSuccess: (cart) => queryClient.setQueryData(CART_KEY, cart),
  });
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Cart } from '@/lib/api-types';
import { withQuantity } from '../lib/cart-total';
import { CART_KEY } from './get-cart';

export interface UpdateItemInput {
  productId: number;
  /** 0 removes the line. */
  quantity: number;
}

export async function updateCartItem({ productId, quantity }: UpdateItemInput): Promise<Cart> {
  if (quantity <= 0) return api.delete<Cart>(`/cart/items/${productId}`);
  return api.patch<Cart>(`/cart/items/${productId}`, { quantity });
}

/** Changes a line at once on screen; the server's answer replaces it, and a refusal rolls it back. */
export function useUpdateCartItem() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateCartItem,
    onMutate: async ({ productId, quantity }) => {
      await queryClient.cancelQueries({ queryKey: CART_KEY });
      const previous = queryClient.getQueryData<Cart>(CART_KEY);
      if (previous) queryClient.setQueryData(CART_KEY, withQuantity(previous, productId, quantity));
      return { previous };
    },
    onError: (_err, _input, context) => {
      if (context?.previous) queryClient.setQueryData(CART_KEY, context.previous);
    },
    onSuccess: (cart) => queryClient.setQueryData(CART_KEY, cart),
  });
}

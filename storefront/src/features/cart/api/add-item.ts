import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Cart } from '@/lib/api-types';
import { CART_KEY } from './get-cart';

export interface AddItemInput {
  productId: number;
  quantity: number;
}

export async function addCartItem(input: AddItemInput): Promise<Cart> {
  return api.post<Cart>('/cart/items', input);
}

export function useAddCartItem() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: addCartItem,
    onSuccess: (cart) => queryClient.setQueryData(CART_KEY, cart),
  });
}

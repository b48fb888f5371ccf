import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Cart } from '@/lib/api-types';

export const CART_KEY = ['cart'] as const;

export async function getCart(signal?: AbortSignal): Promise<Cart> {
  return api.get<Cart>('/cart', undefined, signal);
}

export const cartQueryOptions = () => queryOptions({ queryKey: CART_KEY, queryFn: ({ signal }) => getCart(signal), staleTime: 0 });

export const useCart = () => useQuery(cartQueryOptions());

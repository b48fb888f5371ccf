import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Product } from '@/lib/api-types';

/**
 * Revalidated on every visit ('no-cache': a cheap 304 when unchanged), so a shopper about to
 * buy sees the current stock; lists may lag by the catalog's short cache time.
 */
export async function getProduct(slug: string, signal?: AbortSignal): Promise<Product> {
  return api.get<Product>(`/products/${encodeURIComponent(slug)}`, undefined, signal, 'no-cache');
}

export const productQueryOptions = (slug: string) => queryOptions({ queryKey: ['product', slug], queryFn: ({ signal }) => getProduct(slug, signal), staleTime: 10_000 });

export const useProduct = (slug: string) => useQuery(productQueryOptions(slug));

import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Product } from '@/lib/api-types';

export async function getProduct(slug: string, signal?: AbortSignal): Promise<Product> {
  return api.get<Product>(`/products/${encodeURIComponent(slug)}`, undefined, signal);
}

export const productQueryOptions = (slug: string) =>
  queryOptions({ queryKey: ['product', slug], queryFn: ({ signal }) => getProduct(slug, signal), staleTime: 10_000 });

export const useProduct = (slug: string) => useQuery(productQueryOptions(slug));

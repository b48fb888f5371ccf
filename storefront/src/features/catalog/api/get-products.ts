import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ProductList, ProductListQuery } from '@/lib/api-types';

export async function getProducts(query: ProductListQuery, signal?: AbortSignal): Promise<ProductList> {
  return api.get<ProductList>('/products', query, signal);
}

export const productsQueryOptions = (query: ProductListQuery) =>
  queryOptions({
    queryKey: ['products', query],
    queryFn: ({ signal }) => getProducts(query, signal),
    // Keep the last page on screen while the next one (or the next keystroke's search) loads.
    placeholderData: keepPreviousData,
  });

export const useProducts = (query: ProductListQuery, enabled = true) => useQuery({ ...productsQueryOptions(query), enabled });

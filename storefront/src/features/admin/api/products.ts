import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { AdminProductList, Product, ProductCreate, ProductUpdate } from '@/lib/api-types';

export interface AdminProductQuery {
  q?: string;
  page?: number;
  limit?: number;
}

export const getAdminProducts = (query: AdminProductQuery, signal?: AbortSignal) => api.get<AdminProductList>('/admin/products', { ...query }, signal);
export const getAdminProduct = (id: number, signal?: AbortSignal) => api.get<Product>(`/admin/products/${id}`, undefined, signal);
export const createProduct = (body: ProductCreate) => api.post<Product>('/admin/products', body);
export const updateProduct = ({ id, body }: { id: number; body: ProductUpdate }) => api.patch<Product>(`/admin/products/${id}`, body);
export const setStock = ({ id, stock }: { id: number; stock: number }) => api.put<Product>(`/admin/products/${id}/stock`, { stock });
export const adjustStock = ({ id, delta, reason }: { id: number; delta: number; reason: string }) =>
  api.post<{ product: Product }>(`/admin/products/${id}/stock-adjustments`, { delta, reason });
export function uploadImage({ id, file }: { id: number; file: File }) {
  const form = new FormData();
  form.append('file', file);
  return api.upload<Product>(`/admin/products/${id}/images`, form);
}

export const adminProductsQueryOptions = (query: AdminProductQuery) =>
  queryOptions({
    queryKey: ['admin', 'products', query],
    queryFn: ({ signal }) => getAdminProducts(query, signal),
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
export const adminProductQueryOptions = (id: number) => queryOptions({ queryKey: ['admin', 'product', id], queryFn: ({ signal }) => getAdminProduct(id, signal), staleTime: 0 });

export const useAdminProducts = (query: AdminProductQuery) => useQuery(adminProductsQueryOptions(query));
export const useAdminProduct = (id: number) => useQuery(adminProductQueryOptions(id));

/** Every write returns the product as it now is; the shop's pages refetch it too. */
function useProductWrite<I, R extends Product | { product: Product }>(fn: (input: I) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async (result) => {
      const product: Product = 'product' in result ? result.product : result;
      queryClient.setQueryData(['admin', 'product', product.id], product);
      await queryClient.invalidateQueries({ queryKey: ['admin', 'products'] });
      await queryClient.invalidateQueries({ queryKey: ['products'] });
      await queryClient.invalidateQueries({ queryKey: ['product'] });
    },
  });
}

export const useCreateProduct = () => useProductWrite(createProduct);
export const useUpdateProduct = () => useProductWrite(updateProduct);
export const useSetStock = () => useProductWrite(setStock);
export const useAdjustStock = () => useProductWrite(adjustStock);
export const useUploadImage = () => useProductWrite(uploadImage);

import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Order, OrderList } from '@/lib/api-types';

export async function getOrders(signal?: AbortSignal): Promise<Order[]> {
  return (await api.get<OrderList>('/orders', { limit: 100 }, signal)).items;
}

export async function getOrder(id: string, signal?: AbortSignal): Promise<Order> {
  return api.get<Order>(`/orders/${encodeURIComponent(id)}`, undefined, signal);
}

export const ordersQueryOptions = () => queryOptions({ queryKey: ['orders'], queryFn: ({ signal }) => getOrders(signal), staleTime: 0 });
export const orderQueryOptions = (id: string) => queryOptions({ queryKey: ['orders', id], queryFn: ({ signal }) => getOrder(id, signal), staleTime: 0 });

export const useOrders = () => useQuery(ordersQueryOptions());
export const useOrder = (id: string) => useQuery(orderQueryOptions(id));

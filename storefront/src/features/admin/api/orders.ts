import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { AdminOrder, AdminOrderList, OrderStatus, StaffOrderStatus } from '@/lib/api-types';

export async function getAdminOrders(signal?: AbortSignal): Promise<AdminOrder[]> {
  return (await api.get<AdminOrderList>('/admin/orders', { limit: 100 }, signal)).items;
}

export const setOrderStatus = ({ id, status }: { id: number; status: StaffOrderStatus }) => api.put<AdminOrder>(`/admin/orders/${id}/status`, { status });

export const adminOrdersQueryOptions = () => queryOptions({ queryKey: ['admin', 'orders'], queryFn: ({ signal }) => getAdminOrders(signal), staleTime: 0 });

export const useAdminOrders = () => useQuery(adminOrdersQueryOptions());

export function useSetOrderStatus() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setOrderStatus,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin', 'orders'] }),
  });
}

/** Where staff may move an order next: placed → paid → shipped; cancelled from anything not yet shipped. Mirrors the shop's rule. */
export function nextStatuses(status: OrderStatus): StaffOrderStatus[] {
  switch (status) {
    case 'pending_payment':
      return ['cancelled'];
    case 'placed':
      return ['paid', 'cancelled'];
    case 'paid':
      return ['shipped', 'cancelled'];
    default:
      return [];
  }
}

import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, ApiError } from '@/lib/api-client';
import type { User } from '@/lib/api-types';

export const ME_KEY = ['me'] as const;

/** The logged-in user, or null for a visitor. */
export async function getMe(signal?: AbortSignal): Promise<User | null> {
  try {
    return (await api.get<{ user: User }>('/auth/me', undefined, signal)).user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export const meQueryOptions = () => queryOptions({ queryKey: ME_KEY, queryFn: ({ signal }) => getMe(signal), staleTime: 60_000 });

export const useMe = () => useQuery(meQueryOptions());

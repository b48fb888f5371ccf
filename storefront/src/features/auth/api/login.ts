import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { LoginBody, RegisterBody, User } from '@/lib/api-types';
import { ME_KEY } from './me';

export async function login(body: LoginBody): Promise<User> {
  return (await api.post<{ user: User }>('/auth/login', body)).user;
}

export async function register(body: RegisterBody): Promise<User> {
  return (await api.post<{ user: User }>('/auth/register', body)).user;
}

export async function logout(): Promise<void> {
  await api.post<null>('/auth/logout');
}

/** After login or registration the server merged the visitor's cart: everything user-owned is refetched. */
function useSessionChange<T>(fn: (body: T) => Promise<User | null | void>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async (user) => {
      queryClient.setQueryData(ME_KEY, user ?? null);
      queryClient.removeQueries({ queryKey: ['orders'] });
      await queryClient.invalidateQueries({ queryKey: ['cart'] });
    },
  });
}

export const useLogin = () => useSessionChange(login);
export const useRegister = () => useSessionChange(register);
export const useLogout = () => useSessionChange<void>(logout);

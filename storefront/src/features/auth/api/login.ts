import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { LinkSignInBody, LoginBody, RegisterBody, SignedIn, User } from '@/lib/api-types';
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

/**
 * Links a provider's sign-in to the local account with the same email, proven by that account's
 * password (the token comes from the callback's redirect to /login/link), and signs in.
 */
export async function linkSignIn(body: LinkSignInBody): Promise<SignedIn> {
  return api.post<SignedIn>('/auth/oidc/link', body);
}

/** After login, registration or a linked sign-in the server merged the visitor's cart: everything user-owned is refetched. */
function useSessionChange<T, R>(fn: (body: T) => Promise<R>, userOf: (result: R) => User | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async (result) => {
      queryClient.setQueryData(ME_KEY, userOf(result));
      queryClient.removeQueries({ queryKey: ['orders'] });
      await queryClient.invalidateQueries({ queryKey: ['cart'] });
    },
  });
}

export const useLogin = () => useSessionChange(login, (user) => user);
export const useRegister = () => useSessionChange(register, (user) => user);
export const useLogout = () => useSessionChange<void, void>(logout, () => null);
export const useLinkSignIn = () => useSessionChange(linkSignIn, (signedIn) => signedIn.user);

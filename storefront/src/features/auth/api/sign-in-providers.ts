import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { SignInProvider } from '@/lib/api-types';

/** The providers the shop signs in through (none when sign-in through the user pool is off), in the order to show them. */
export async function getSignInProviders(signal?: AbortSignal): Promise<SignInProvider[]> {
  return (await api.get<{ providers: SignInProvider[] }>('/auth/oidc/providers', undefined, signal)).providers;
}

/** The list changes only with the shop's configuration: kept for the session. */
export const signInProvidersQueryOptions = () => queryOptions({ queryKey: ['sign-in-providers'], queryFn: ({ signal }) => getSignInProviders(signal), staleTime: Infinity });

export const useSignInProviders = () => useQuery(signInProvidersQueryOptions());

import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-client';

/** Retries a read while the failure is transient (API unreachable, 503), with capped backoff; never a 4xx. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError) return error.transient && failureCount < 20;
  return failureCount < 2;
}

export const retryDelay = (attempt: number): number => Math.min(500 * 2 ** attempt, 8000);

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 30_000, retry: shouldRetry, retryDelay, refetchOnWindowFocus: false },
      // Writes are not retried blindly; checkout retries itself with its idempotency key.
      mutations: { retry: false },
    },
  });
}

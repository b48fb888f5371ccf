import { config } from '@/config/env';
import { setApiReachable } from './api-status';

/** An error the shop answered with (`{ error: { code, message, details } }`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Worth retrying by itself: the API could not be reached or said it is briefly unavailable. */
  get transient(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export const NETWORK_UNREACHABLE = 'NETWORK_UNREACHABLE';

let onUnauthorized: () => void = () => undefined;
/** The one place a 401 is handled: the auth feature forgets the user and guarded routes send them to login. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | number | undefined | null>;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The browser HTTP cache mode; catalog answers are cacheable for a short time (see the shop's catalog caching). */
  cache?: RequestCache;
}

export interface ApiResponse<T> {
  data: T;
  status: number;
  headers: Headers;
}

function url(path: string, query?: RequestOptions['query']): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const qs = search.toString();
  return `${config.apiBase}${path}${qs ? `?${qs}` : ''}`;
}

/** Sends one request to the shop and returns the parsed body with status and headers. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
      cache: options.cache,
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    setApiReachable(false);
    throw new ApiError(0, NETWORK_UNREACHABLE, 'The shop could not be reached.');
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  // A proxy in front of the shop answers 502/503/504 without our JSON when no instance is up.
  const gatewayDown = response.status >= 502 && response.status <= 504;
  setApiReachable(!gatewayDown);
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? (gatewayDown ? 'TEMPORARILY_UNAVAILABLE' : `HTTP_${response.status}`),
      error?.message ?? response.statusText,
      error?.details,
    );
  }
  return { data: parsed as T, status: response.status, headers: response.headers };
}

export const api = {
  get: async <T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal, cache?: RequestCache) => (await apiRequest<T>(path, { query, signal, cache })).data,
  post: async <T>(path: string, json?: unknown, headers?: Record<string, string>) => (await apiRequest<T>(path, { method: 'POST', json: json ?? {}, headers })).data,
  put: async <T>(path: string, json: unknown) => (await apiRequest<T>(path, { method: 'PUT', json })).data,
  patch: async <T>(path: string, json: unknown) => (await apiRequest<T>(path, { method: 'PATCH', json })).data,
  delete: async <T>(path: string) => (await apiRequest<T>(path, { method: 'DELETE' })).data,
  upload: async <T>(path: string, form: FormData) => (await apiRequest<T>(path, { method: 'POST', form })).data,
};

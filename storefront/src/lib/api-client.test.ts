import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiRequest, setUnauthorizedHandler } from './api-client';
import { isApiReachable } from './api-status';
import { shouldRetry } from './query-client';

const respond = (status: number, body?: unknown) => vi.fn().mockResolvedValue(new Response(body === undefined ? null : JSON.stringify(body), { status }));

describe('the API client', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setUnauthorizedHandler(() => undefined);
  });

  it('turns the shop error body into an ApiError with its code, message and details', async () => {
    vi.stubGlobal('fetch', respond(409, { error: { code: 'OUT_OF_STOCK', message: 'short', details: [{ productId: 1 }] } }));
    const err = await apiRequest('/checkout', { method: 'POST', json: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'OUT_OF_STOCK', message: 'short', details: [{ productId: 1 }], transient: false });
    expect(shouldRetry(0, err)).toBe(false);
  });

  it('reports an unreachable API, marks it transient, and clears the mark on the next answer', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    const err = await apiRequest('/products').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: 'NETWORK_UNREACHABLE', transient: true });
    expect(isApiReachable()).toBe(false);
    expect(shouldRetry(3, err)).toBe(true);
    vi.stubGlobal('fetch', respond(200, { items: [] }));
    await apiRequest('/products');
    expect(isApiReachable()).toBe(true);
  });

  it('treats a bare 503 from a proxy as the API being briefly unavailable', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response('<html>no backend</html>', { status: 503 })));
    const err = await apiRequest('/products').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: 'TEMPORARILY_UNAVAILABLE', transient: true });
  });

  it('calls the one 401 handler, and sends JSON with its content type', async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    const fetchMock = respond(401, { error: { code: 'UNAUTHENTICATED', message: 'Please log in first.' } });
    vi.stubGlobal('fetch', fetchMock);
    await apiRequest('/orders', { method: 'POST', json: { a: 1 } }).catch(() => undefined);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/orders');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(init.body).toBe('{"a":1}');
  });
});

import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { parseAddressRange, trustedProxies } from './trusted-proxies.js';

const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x', SESSION_SECRET: 'x'.repeat(32) };

/** The client address and scheme Fastify sees with these proxies trusted. */
async function seenBy(trust: ReturnType<typeof trustedProxies>, socket: string, headers: Record<string, string>): Promise<{ ip: string; protocol: string }> {
  const app = Fastify({ trustProxy: trust });
  app.get('/', async (request) => ({ ip: request.ip, protocol: request.protocol }));
  try {
    return (await app.inject({ url: '/', remoteAddress: socket, headers })).json();
  } finally {
    await app.close();
  }
}

describe('trustedProxies', () => {
  const aws = trustedProxies(['10.40.0.0/16'], 2);

  it('takes the address CloudFront appended, whatever the client wrote before it', async () => {
    expect((await seenBy(aws, '10.40.1.5', { 'x-forwarded-for': '198.51.100.7, 130.176.0.1' })).ip).toBe('198.51.100.7');
    expect((await seenBy(aws, '10.40.1.5', { 'x-forwarded-for': '1.2.3.4, 5.6.7.8, 198.51.100.7, 130.176.0.1' })).ip).toBe('198.51.100.7');
    expect((await seenBy(aws, '::ffff:10.40.1.5', { 'x-forwarded-for': '198.51.100.7, 130.176.0.1' })).ip).toBe('198.51.100.7');
  });

  it('believes no X-Forwarded-* header from a peer outside the nearest proxy’s range', async () => {
    expect(await seenBy(aws, '203.0.113.9', { 'x-forwarded-for': '1.2.3.4, 5.6.7.8', 'x-forwarded-proto': 'https' })).toEqual({ ip: '203.0.113.9', protocol: 'http' });
    expect((await seenBy(aws, '10.40.1.5', { 'x-forwarded-proto': 'https' })).protocol).toBe('https');
  });

  it('trusts nothing without ranges', async () => {
    expect(trustedProxies([], 2)).toBe(false);
    expect((await seenBy(false, '203.0.113.9', { 'x-forwarded-for': '1.2.3.4' })).ip).toBe('203.0.113.9');
  });

  it('parses addresses and CIDR ranges, and only those', () => {
    expect(parseAddressRange('10.40.0.0/16')).toEqual({ address: '10.40.0.0', prefix: 16, family: 'ipv4' });
    expect(parseAddressRange('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['10.40.0.0/33', 'loopback', '10.0.0.0/8/1', '10.0.0/8', '10.0.0.0/x']) expect(parseAddressRange(bad), bad).toBeUndefined();
  });
});

describe('proxy and origin settings fail at start, naming the variable', () => {
  it.each([
    [{ TRUSTED_PROXIES: '10.0.0.0/8,nonsense', TRUSTED_PROXY_HOPS: '2' }, 'TRUSTED_PROXIES'],
    [{ TRUSTED_PROXIES: '10.0.0.0/8' }, 'TRUSTED_PROXY_HOPS'],
    [{ TRUSTED_PROXY_HOPS: '2' }, 'TRUSTED_PROXIES'],
    [{ ALLOWED_ORIGINS: 'https://shop.example/' }, 'ALLOWED_ORIGINS'],
    [{ ALLOWED_ORIGINS: 'shop.example' }, 'ALLOWED_ORIGINS'],
    [{ ALLOWED_ORIGINS: 'https://a.example, https://b.example/path' }, 'ALLOWED_ORIGINS'],
  ])('%j → %s', (env, variable) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('accepts the AWS and twin settings', () => {
    expect(loadConfig({ ...base, TRUSTED_PROXIES: '10.40.0.0/16', TRUSTED_PROXY_HOPS: '2', ALLOWED_ORIGINS: 'https://www.shop.example' })).toMatchObject({
      TRUSTED_PROXIES: '10.40.0.0/16',
      TRUSTED_PROXY_HOPS: 2,
    });
    expect(loadConfig({ ...base, TRUSTED_PROXIES: '127.0.0.1', TRUSTED_PROXY_HOPS: '2', ALLOWED_ORIGINS: 'http://127.0.0.1:8080' }).TRUSTED_PROXY_HOPS).toBe(2);
  });
});

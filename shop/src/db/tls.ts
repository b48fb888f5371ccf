import { existsSync, readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

/**
 * libpq's sslmode values, weakest first (PostgreSQL docs, "SSL Support", table "SSL Mode
 * Descriptions"). Only verify-full checks both the certificate chain and the host name.
 */
export const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

/** What a URL asks for: its sslmode (libpq's default is prefer) and the CA bundle to trust, if any. */
export interface UrlTls {
  readonly sslmode: SslMode;
  readonly sslrootcert: string | undefined;
  readonly hosts: string[];
}

function splitUrl(url: string): { base: string; params: URLSearchParams } {
  // WHATWG URL rejects multi-host authorities ("h1:1,h2:2"), so the query string is split off by hand.
  const [base = '', query = ''] = url.split('?', 2);
  return { base, params: new URLSearchParams(query) };
}

/** The hosts of a (possibly multi-host) postgres URL. */
export function urlHosts(url: string): string[] {
  const authority =
    splitUrl(url)
      .base.replace(/^postgres(ql)?:\/\//, '')
      .split('/')[0] ?? '';
  return authority
    .slice(authority.lastIndexOf('@') + 1)
    .split(',')
    .map((h) => (h.startsWith('[') ? h.slice(1, h.indexOf(']')) : (h.split(':')[0] ?? '')))
    .filter(Boolean);
}

export function urlTls(url: string): UrlTls {
  const { params } = splitUrl(url);
  const mode = params.get('sslmode') ?? 'prefer';
  if (!(sslModes as readonly string[]).includes(mode)) throw new Error(`sslmode must be one of ${sslModes.join(', ')}, got "${mode}"`);
  return { sslmode: mode as SslMode, sslrootcert: params.get('sslrootcert') ?? undefined, hosts: urlHosts(url) };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1)$/;

/**
 * Why a database URL is not good enough for production, or undefined when it is: off loopback,
 * the server must prove who it is (sslmode=verify-full), or anyone on the path could pose as
 * RDS and read every password and order (docs/design.md, "Database password rotation").
 * The twin's PostgreSQL listens on loopback only and has no TLS, so it runs with sslmode=disable.
 */
export function weakTlsReason(url: string, nodeEnv: string | undefined): string | undefined {
  let tls: UrlTls;
  try {
    tls = urlTls(url);
  } catch (err) {
    return (err as Error).message;
  }
  if (tls.sslrootcert && !existsSync(tls.sslrootcert)) return `names sslrootcert=${tls.sslrootcert}, which does not exist`;
  if (nodeEnv !== 'production' || tls.hosts.every((h) => LOOPBACK.test(h))) return undefined;
  if (tls.sslmode !== 'verify-full') return `must use sslmode=verify-full (with sslrootcert=<CA bundle>) for a non-loopback host in production, got sslmode=${tls.sslmode}`;
  return undefined;
}

/**
 * The URL postgres.js gets (without sslmode and sslrootcert, which it would otherwise send to the
 * server as startup parameters) and its `ssl` option. verify-full with a root certificate trusts
 * only that bundle (the RDS CA bundle on AWS) and checks the host name (Node's default
 * checkServerIdentity; postgres.js sets servername to the host it connects to).
 */
export function postgresTls(url: string): { url: string; ssl: boolean | 'prefer' | 'require' | ConnectionOptions } {
  const tls = urlTls(url);
  const { base, params } = splitUrl(url);
  const explicit = params.has('sslmode');
  params.delete('sslmode');
  params.delete('sslrootcert');
  const rest = params.toString();
  const stripped = rest ? `${base}?${rest}` : base;
  const ca = tls.sslrootcert ? readFileSync(tls.sslrootcert) : undefined;
  // Without sslmode, postgres.js's own default (no TLS) stays, as before this option existed.
  if (!explicit) return { url: stripped, ssl: false };
  switch (tls.sslmode) {
    case 'disable':
      return { url: stripped, ssl: false };
    case 'allow':
    case 'prefer':
      return { url: stripped, ssl: 'prefer' };
    case 'require':
      return { url: stripped, ssl: 'require' };
    case 'verify-ca':
      // The chain is checked, the host name is not (libpq's verify-ca).
      return { url: stripped, ssl: { rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined } };
    case 'verify-full':
      return { url: stripped, ssl: { rejectUnauthorized: true, ...(ca ? { ca } : {}) } };
  }
}

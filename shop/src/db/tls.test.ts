import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PostgresServer, postgresOwner } from '@evermall/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { connect } from './pools.js';
import { postgresTls, weakTlsReason } from './tls.js';

const secret = { SESSION_SECRET: 'tls-test-secret-0123456789abcdef-0123', PAYMENT_PROVIDER: 'toss', TOSS_CLIENT_KEY: 'test_ck_tls', TOSS_SECRET_KEY: 'test_sk_tls' };

describe('the database URL in production', () => {
  let dir: string;
  let bundle: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-tls-url-'));
    bundle = path.join(dir, 'rds-global-bundle.pem');
    writeFileSync(bundle, 'not read by these checks');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const rds = 'postgres://evermall_app@evermall.abc.ap-northeast-2.rds.amazonaws.com:5433/evermall';

  it.each(['', '?sslmode=disable', '?sslmode=prefer', '?sslmode=require', '?sslmode=verify-ca'])('is refused off loopback with %s, naming the variable', (query) => {
    expect(() => loadConfig({ ...secret, NODE_ENV: 'production', DATABASE_URL: `${rds}${query}` })).toThrow(ConfigError);
    expect(() => loadConfig({ ...secret, NODE_ENV: 'production', DATABASE_URL: `${rds}${query}` })).toThrow(/DATABASE_URL must use sslmode=verify-full/);
    expect(() => loadConfig({ ...secret, NODE_ENV: 'production', DATABASE_URL: 'postgres://u@127.0.0.1/x', DATABASE_READ_URL: `${rds}${query}` })).toThrow(/DATABASE_READ_URL/);
  });

  it('is accepted with verify-full and an existing CA bundle; a bundle that is not there is named', () => {
    expect(loadConfig({ ...secret, NODE_ENV: 'production', DATABASE_URL: `${rds}?sslmode=verify-full&sslrootcert=${bundle}` }).DATABASE_URL).toContain('verify-full');
    expect(() => loadConfig({ ...secret, NODE_ENV: 'production', DATABASE_URL: `${rds}?sslmode=verify-full&sslrootcert=/nowhere/ca.pem` })).toThrow(
      /DATABASE_URL names sslrootcert/,
    );
  });

  it('lets the twin (loopback, no TLS) and development run without TLS', () => {
    expect(weakTlsReason('postgres://evermall_app@127.0.0.1:6001,127.0.0.1:6002/evermall?sslmode=disable&target_session_attrs=primary', 'production')).toBeUndefined();
    expect(weakTlsReason('postgres://u@[::1]:5432/x', 'production')).toBeUndefined();
    expect(weakTlsReason(`${rds}?sslmode=require`, 'development')).toBeUndefined();
    expect(weakTlsReason('postgres://u@127.0.0.1:6001,db.example.com:5432/x?sslmode=disable', 'production')).toMatch(/verify-full/);
  });

  it('hands sslmode and sslrootcert to the driver, not to the server as startup parameters', () => {
    const tls = postgresTls(`${rds}?sslmode=verify-full&sslrootcert=${bundle}&target_session_attrs=primary`);
    expect(tls.url).toBe(`${rds}?target_session_attrs=primary`);
    expect(tls.ssl).toMatchObject({ rejectUnauthorized: true });
    expect(postgresTls(rds).ssl).toBe(false);
  });
});

/** A server whose certificate a private CA signed (RDS's stands in the RDS CA bundle). */
describe('verify-full against a TLS server', () => {
  let dir: string;
  let server: PostgresServer;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-tls-'));
    chmodSync(dir, 0o755);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    for (const ca of ['ca', 'other-ca']) openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
    writeFileSync(file('san.ext'), 'subjectAltName=DNS:localhost\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.pem');
    // PostgreSQL refuses a key others can read, and runs as `postgres` when we are root.
    chmodSync(file('server.key'), 0o600);
    const owner = postgresOwner();
    if (owner) for (const f of ['server.key', 'server.pem']) chownSync(file(f), owner.uid, owner.gid);
    server = await PostgresServer.start({ settings: { ssl: 'on', ssl_cert_file: file('server.pem'), ssl_key_file: file('server.key') }, fast: true });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const attempt = async (query: string) => {
    const sql = connect(`postgres://postgres@127.0.0.1:${server.port}/postgres?${query}`, { max: 1 });
    try {
      return (await sql<{ ssl: boolean }[]>`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`)[0]!.ssl;
    } finally {
      await sql.end({ timeout: 1 });
    }
  };

  it('connects over TLS when the server certificate chains to the bundle', async () => {
    expect(await attempt(`sslmode=verify-full&sslrootcert=${file('ca.pem')}`)).toBe(true);
  });

  it('refuses a server whose certificate another CA signed, which sslmode=require would accept', async () => {
    await expect(attempt(`sslmode=verify-full&sslrootcert=${file('other-ca.pem')}`)).rejects.toThrow(/certificate/i);
    expect(await attempt('sslmode=require')).toBe(true);
  });
});

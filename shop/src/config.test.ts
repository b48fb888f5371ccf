import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { MIGRATIONS_DIR } from './db/migrate.js';

const required = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/evermall', SESSION_SECRET: 'config-test-secret-0123456789abcdef' };

/** The ConfigError loadConfig throws for this environment, or undefined if it accepts it. */
function refusal(env: Record<string, string>): ConfigError | undefined {
  try {
    loadConfig({ ...required, ...env });
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

describe('loadConfig', () => {
  const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'evermall-migrations-'));
  afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

  it('migrates at start from the source tree unless told otherwise', () => {
    expect(loadConfig(required)).toMatchObject({ MIGRATE_ON_START: true, MIGRATIONS_DIR });
    expect(loadConfig({ ...required, MIGRATE_ON_START: 'false', MIGRATIONS_DIR: elsewhere })).toMatchObject({
      MIGRATE_ON_START: false,
      MIGRATIONS_DIR: elsewhere,
    });
  });

  it('refuses a bad value at start, naming the variable', () => {
    expect(refusal({ MIGRATE_ON_START: 'sometimes' })).toMatchObject({ variable: 'MIGRATE_ON_START' });
    expect(refusal({ MIGRATIONS_DIR: path.join(elsewhere, 'missing') })).toMatchObject({ variable: 'MIGRATIONS_DIR' });
    expect(refusal({ DATABASE_POOL_MAX: 'many' })).toMatchObject({ variable: 'DATABASE_POOL_MAX' });
    expect(refusal({ SESSION_SECRET: 'short' })?.message).toContain('SESSION_SECRET');
  });

  it('uses a cache only when CACHE_URL is set: TLS off loopback, the password apart from the URL', () => {
    expect(loadConfig(required).CACHE_URL).toBeUndefined();
    expect(loadConfig({ ...required, CACHE_URL: 'rediss://cache.example.internal:6380', CACHE_PASSWORD: 'token' })).toMatchObject({ CACHE_PASSWORD: 'token' });
    expect(loadConfig({ ...required, CACHE_URL: 'redis://127.0.0.1:6379' }).CACHE_URL).toBe('redis://127.0.0.1:6379');
    expect(refusal({ CACHE_URL: 'redis://cache.example.internal:6379' })).toMatchObject({ variable: 'CACHE_URL' });
    expect(refusal({ CACHE_URL: 'rediss://:secret@cache.example.internal:6380' })).toMatchObject({ variable: 'CACHE_URL' });
    expect(refusal({ CACHE_URL: 'memcached://127.0.0.1:11211' })).toMatchObject({ variable: 'CACHE_URL' });
    expect(refusal({ CACHE_PASSWORD: 'token' })).toMatchObject({ variable: 'CACHE_URL' });
  });

  it('keeps images in MEDIA_DIR unless MEDIA_BUCKET is set, which needs its region', () => {
    expect(loadConfig(required).MEDIA_BUCKET).toBeUndefined();
    expect(loadConfig({ ...required, MEDIA_BUCKET: 'evermall-app-mediapipelinebucket-1a2b3c', MEDIA_BUCKET_REGION: 'ap-northeast-2' })).toMatchObject({
      MEDIA_BUCKET: 'evermall-app-mediapipelinebucket-1a2b3c',
      MEDIA_BUCKET_REGION: 'ap-northeast-2',
    });
    expect(refusal({ MEDIA_BUCKET: 'evermall-media' })).toMatchObject({ variable: 'MEDIA_BUCKET_REGION' });
    expect(refusal({ MEDIA_BUCKET_REGION: 'ap-northeast-2' })).toMatchObject({ variable: 'MEDIA_BUCKET' });
    for (const bucket of ['s3://evermall-media', 'arn:aws:s3:::evermall-media', 'Evermall-Media', 'em']) {
      expect(refusal({ MEDIA_BUCKET: bucket, MEDIA_BUCKET_REGION: 'ap-northeast-2' }), bucket).toMatchObject({ variable: 'MEDIA_BUCKET' });
    }
    expect(refusal({ MEDIA_BUCKET: 'evermall-media', MEDIA_BUCKET_REGION: 'Seoul' })).toMatchObject({ variable: 'MEDIA_BUCKET_REGION' });
  });

  it('traces only when OTEL_EXPORTER_OTLP_ENDPOINT is set: a base URL, TLS off loopback', () => {
    expect(loadConfig(required).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(loadConfig({ ...required, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://127.0.0.1:4318');
    expect(loadConfig({ ...required, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example.internal:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBeDefined();
    for (const value of ['http://collector.example.internal:4318', 'grpc://127.0.0.1:4317', '127.0.0.1:4318', 'http://127.0.0.1:4318?x=1']) {
      expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: value }), value).toMatchObject({ variable: 'OTEL_EXPORTER_OTLP_ENDPOINT' });
    }
  });

  it('expires unpaid orders after 15 minutes unless told otherwise, and refuses an expiry or checkout limit below 1', () => {
    expect(loadConfig(required)).toMatchObject({ PENDING_PAYMENT_EXPIRY_MINUTES: 15, CHECKOUT_RATE_LIMIT_PER_MINUTE: 30 });
    expect(loadConfig({ ...required, PENDING_PAYMENT_EXPIRY_MINUTES: '30' }).PENDING_PAYMENT_EXPIRY_MINUTES).toBe(30);
    for (const variable of ['PENDING_PAYMENT_EXPIRY_MINUTES', 'PENDING_PAYMENT_SWEEP_SECONDS', 'CHECKOUT_RATE_LIMIT_PER_MINUTE']) {
      for (const value of ['0', 'soon', '1.5']) expect(refusal({ [variable]: value }), `${variable}=${value}`).toMatchObject({ variable });
    }
  });
});

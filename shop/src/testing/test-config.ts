import { loadConfig, type Config } from '../config.js';

/**
 * The shop's configuration for a test shop: a fixed session secret (tests need one of the right
 * length, not a secret one), no drain on close, and login and registration limits no test reaches
 * (every test request comes from one address). `env` overrides any of it.
 */
export function testShopConfig(databaseUrl: string, mediaDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    MEDIA_DIR: mediaDir,
    ZONE: 'a',
    INSTANCE_ID: 'test-1',
    LOG_LEVEL: 'silent',
    DRAIN_SECONDS: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    LOGIN_ACCOUNT_RATE_LIMIT_PER_HOUR: '1000',
    REGISTER_RATE_LIMIT_PER_HOUR: '100000',
    ...env,
  });
}

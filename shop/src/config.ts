import { statSync } from 'node:fs';
import { drainSeconds, frontDoorFailover, shutdownBoundSeconds } from '@evermall/topology';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { MIGRATIONS_DIR } from './db/migrate.js';

/**
 * Every setting of the shop comes from the environment and is checked here at start.
 * A bad or missing variable fails fast with a message naming it (see .env.example).
 */
const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  DATABASE_READ_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  MEDIA_DIR: Type.String({ minLength: 1, default: './.media' }),
  ZONE: Type.String({ pattern: '^[a-z0-9-]{1,32}$', default: 'local' }),
  INSTANCE_ID: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', default: 'dev' }),
  SESSION_SECRET: Type.String({ minLength: 32 }),
  DRAIN_SECONDS: Type.Number({ minimum: 0, maximum: 600, default: drainSeconds }),
  SHUTDOWN_TIMEOUT_SECONDS: Type.Number({ minimum: 1, maximum: 900, default: shutdownBoundSeconds }),
  /** Set when the shop is reached over HTTPS (behind the ALB), so cookies get `Secure`. */
  COOKIE_SECURE: Type.Boolean({ default: false }),
  /** Origins allowed on cookie-authenticated writes besides the request's own host. */
  ALLOWED_ORIGINS: Type.String({ default: '' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  LOGIN_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 10 }),
  MEDIA_MAX_BYTES: Type.Integer({ minimum: 1024, default: 5 * 1024 * 1024 }),
  /** Where the instance re-exports the static backup site, if anywhere; its parent must be writable (see src/release/service.ts). */
  BACKUP_SITE_DIR: Type.Optional(Type.String({ minLength: 1 })),
  BACKUP_EXPORT_INTERVAL_SECONDS: Type.Integer({ minimum: 10, default: frontDoorFailover.backupExportIntervalSeconds }),
  READYZ_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 10000, default: 1000 }),
  /** Whether the server applies pending migrations before it listens (under an advisory lock). */
  MIGRATE_ON_START: Type.Boolean({ default: true }),
  /** The SQL migrations; a bundled release sets its own copy (see src/release/service.ts). */
  MIGRATIONS_DIR: Type.String({ minLength: 1, default: MIGRATIONS_DIR }),
});

export type Config = Static<typeof ConfigSchema> & { DATABASE_READ_URL: string };

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

/** Reads and validates the config from an environment-like object. Throws ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    const type = (schema as { type?: string }).type;
    if (type === 'integer' || type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new ConfigError(key, `must be a number, got "${value}"`);
      raw[key] = n;
    } else if (type === 'boolean') {
      const b = BOOLEAN_WORDS[value.toLowerCase()];
      if (b === undefined) throw new ConfigError(key, `must be true or false, got "${value}"`);
      raw[key] = b;
    } else {
      raw[key] = value;
    }
  }
  const withDefaults = Value.Default(ConfigSchema, raw) as Record<string, unknown>;
  const firstError = Value.Errors(ConfigSchema, withDefaults)[0];
  if (firstError) {
    const path = firstError.instancePath.replace(/^\//, '');
    const missing = (firstError.params as { requiredProperties?: string[] }).requiredProperties?.[0];
    const variable = missing ?? path;
    throw new ConfigError(variable, missing ? 'is required' : firstError.message);
  }
  const config = withDefaults as Static<typeof ConfigSchema>;
  // Only a folder set by hand is checked: commands that never migrate do not need the default to exist.
  if (env.MIGRATIONS_DIR && !isDirectory(config.MIGRATIONS_DIR)) {
    throw new ConfigError('MIGRATIONS_DIR', `must be a folder of .sql migrations, got "${config.MIGRATIONS_DIR}"`);
  }
  return { ...config, DATABASE_READ_URL: config.DATABASE_READ_URL ?? config.DATABASE_URL };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

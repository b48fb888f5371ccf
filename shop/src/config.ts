import { statSync } from 'node:fs';
import { drainSeconds, frontDoorFailover, shutdownBoundSeconds } from '@evermall/topology';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { MIGRATIONS_DIR } from './db/migrate.js';
import { CredentialsFileError, readCredentialsFile } from './db/credentials.js';
import { weakTlsReason } from './db/tls.js';
import { parseAddressRange } from './lib/trusted-proxies.js';
import { parseSignInProviders, SignInProvidersError } from './accounts/oidc/sign-in-providers.js';
import { brokerOf } from './events/broker-url.js';

/** A starting point for a reorder threshold, not a measurement (STOCK_LOW_UNITS). */
export const STOCK_LOW_UNITS_DEFAULT = 10;

/**
 * Every setting of the shop comes from the environment and is checked here at start.
 * A bad or missing variable fails fast with a message naming it (see .env.example).
 */
const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  DATABASE_READ_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /**
   * JSON `{"username", "password"}` read for every new connection instead of the URLs' login, so a
   * rotated secret is used without a restart (src/db/credentials.ts; written by the instance's env step).
   */
  DATABASE_CREDENTIALS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  /** Product images when MEDIA_BUCKET is unset: the twin's stand-in for the media bucket, or a folder in development. */
  MEDIA_DIR: Type.String({ minLength: 1, default: './.media' }),
  /**
   * The S3 media bucket (infra's MediaPipeline) that uploads go to and images are served from
   * instead of MEDIA_DIR; its ObjectCreated events run the resize function. A name by S3's rules
   * (S3 User Guide, "General purpose bucket naming rules"), not an s3:// URL or an ARN.
   */
  MEDIA_BUCKET: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' })),
  /** The media bucket's region, required with MEDIA_BUCKET: the SDK reads no region from instance metadata. */
  MEDIA_BUCKET_REGION: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$' })),
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
  /**
   * The addresses (IPs or CIDR ranges, comma-separated) the nearest proxy connects from: the ALB's
   * subnets on AWS, loopback on the twin. Empty: no proxy is trusted and a client is its socket address.
   */
  TRUSTED_PROXIES: Type.String({ default: '' }),
  /** How many proxies stand in front of the shop, each appending one X-Forwarded-For entry (CloudFront + ALB: 2). */
  TRUSTED_PROXY_HOPS: Type.Integer({ minimum: 0, maximum: 10, default: 0 }),
  /** Login attempts per client address a minute, counted across the fleet. */
  LOGIN_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 10 }),
  /** Login attempts per account an hour, from any address (NIST SP 800-63B §5.2.2 allows at most 100 failures). */
  LOGIN_ACCOUNT_RATE_LIMIT_PER_HOUR: Type.Integer({ minimum: 1, default: 30 }),
  /** Registrations per client address an hour: each one costs an argon2 hash. */
  REGISTER_RATE_LIMIT_PER_HOUR: Type.Integer({ minimum: 1, default: 20 }),
  /** A session unused this long stops working (OWASP Session Management Cheat Sheet, "Idle Timeout": 15 to 30 minutes for low-risk applications). */
  SESSION_IDLE_MINUTES: Type.Integer({ minimum: 1, maximum: 14 * 24 * 60, default: 30 }),
  /** How often instances purge expired sessions, anonymous carts past their cookie's life and ended attempt windows (one at a time, advisory lock). */
  EXPIRY_SWEEP_INTERVAL_SECONDS: Type.Integer({ minimum: 10, default: 600 }),
  MEDIA_MAX_BYTES: Type.Integer({ minimum: 1024, default: 5 * 1024 * 1024 }),
  /**
   * An image may hold at most this many pixels, and this many on its longer side: a few hundred
   * bytes can declare a picture that takes gigabytes to decode. 40 megapixels is above any
   * product photo's camera, and the side limit refuses 1 × 40,000,000 strips.
   */
  MEDIA_MAX_PIXELS: Type.Integer({ minimum: 1, default: 40_000_000 }),
  MEDIA_MAX_SIDE_PX: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Anonymous carts one client address may create an hour, counted across the fleet; a cart is a row that stays until its cookie expires. */
  ANONYMOUS_CART_RATE_LIMIT_PER_HOUR: Type.Integer({ minimum: 1, default: 60 }),
  /**
   * The Prometheus metrics listener, apart from the app port so no load balancer routes it.
   * Unset: no metrics listener. Loopback by default: the monitoring agent on the same host scrapes it.
   */
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** The API docs at /docs. Unset: on, except when NODE_ENV=production. */
  DOCS_ENABLED: Type.Optional(Type.Boolean()),
  /** Where the instance re-exports the static backup site, if anywhere; its parent must be writable (see src/release/service.ts). */
  BACKUP_SITE_DIR: Type.Optional(Type.String({ minLength: 1 })),
  BACKUP_EXPORT_INTERVAL_SECONDS: Type.Integer({ minimum: 10, default: frontDoorFailover.backupExportIntervalSeconds }),
  READYZ_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 10000, default: 1000 }),
  /** An order not paid within this many minutes expires and its stock goes back (orders/order-expiry.ts). */
  PENDING_PAYMENT_EXPIRY_MINUTES: Type.Integer({ minimum: 1, maximum: 10080, default: 15 }),
  /**
   * A product a sale leaves at this many units or fewer is announced `stock.low` (events/README.md),
   * once per crossing.
   */
  STOCK_LOW_UNITS: Type.Integer({ minimum: 0, default: STOCK_LOW_UNITS_DEFAULT }),
  /** How often each instance looks for orders to expire. */
  PENDING_PAYMENT_SWEEP_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
  /**
   * Checkout requests per account a minute, counted across the fleet. Far above a person (one
   * click is at most five requests with the storefront's retries) and above the twin's shoppers
   * (about 14 a minute with drill think times), far below a script hoarding stock.
   */
  CHECKOUT_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 30 }),
  /**
   * Who takes the money. `test` approves any card but one and moves none: for tests only, refused
   * when NODE_ENV=production. `toss`: Toss Payments (payments/toss-payment-provider.ts), which needs
   * TOSS_CLIENT_KEY and TOSS_SECRET_KEY.
   */
  PAYMENT_PROVIDER: Type.Union([Type.Literal('test'), Type.Literal('toss')], { default: 'test' }),
  /** Toss's API; the twin and the tests point it at the local stand-in. */
  TOSS_API_URL: Type.String({ pattern: '^https?://', default: 'https://api.tosspayments.com' }),
  /** Toss's browser SDK the storefront loads (v2 "standard"). */
  TOSS_SDK_URL: Type.String({ pattern: '^https?://', default: 'https://js.tosspayments.com/v2/standard' }),
  /** The public client key (test_ck_… or live_ck_…, or the widget's …_gck_…). */
  TOSS_CLIENT_KEY: Type.Optional(Type.String({ pattern: '^(test|live)_g?ck_[A-Za-z0-9_]+$' })),
  /** The secret key for the server-side API (test_sk_… or live_sk_…, or …_gsk_…). Never sent to a browser. */
  TOSS_SECRET_KEY: Type.Optional(Type.String({ pattern: '^(test|live)_g?sk_[A-Za-z0-9_]+$' })),
  /** A Toss call unanswered this long is given up; its outcome is settled later by the payment reconciler. */
  TOSS_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 15_000 }),
  /** How often each instance settles payments whose outcome is unknown (checkout/payment-reconciler.ts). */
  PAYMENT_RECONCILE_INTERVAL_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  /** A payment is in doubt once it has been unsettled this long: longer than any provider call may take. */
  PAYMENT_RECONCILE_AFTER_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
  /**
   * Sign-in through the user pool (OpenID Connect; accounts/oidc/README.md). All four unset: local
   * accounts only. The issuer is the pool's (Cognito: https://cognito-idp.<region>.amazonaws.com/<pool id>);
   * http only on loopback, for the twin's and the tests' providers.
   */
  OIDC_ISSUER_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  OIDC_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  /** The app client's secret, sent to the pool's token endpoint only (client_secret_basic). */
  OIDC_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  /** The shop's callback as the browser reaches it, e.g. https://www.example.com/api/auth/oidc/callback: registered at the pool. */
  OIDC_REDIRECT_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** The sign-in buttons, in order: `key:PoolName` pairs, e.g. `kakao:Kakao,google:Google`; PoolName is sent as `identity_provider`. */
  OIDC_PROVIDERS: Type.String({ default: '' }),
  /** A user pool group (`cognito:groups` in the pool's ID token) whose members' sessions are staff. Unset: staff only from the shop's own data. */
  OIDC_STAFF_GROUP: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,128}$' })),
  /** A sign-in started and not finished within this long is refused (SIGN_IN_EXPIRED); so is an account link not proven within it. */
  OIDC_SIGN_IN_MINUTES: Type.Integer({ minimum: 1, maximum: 60, default: 10 }),
  /** A call to the pool (discovery, keys, token) unanswered this long fails the sign-in with SIGN_IN_UNAVAILABLE. */
  OIDC_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 60, default: 10 }),
  /**
   * The cache tier's primary endpoint (shop/src/cache/README.md): rediss://host:port on AWS, redis://
   * only on loopback (the twin, tests). Unset: no cache, every read from PostgreSQL.
   */
  CACHE_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** The cache's AUTH token (ElastiCache: from Secrets Manager), kept out of the URL. */
  CACHE_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Where order and stock events go (events/README.md): amqp(s):// a RabbitMQ node (the twin), or
   * an SNS topic ARN (AWS). Unset: events stay in the outbox table and nothing publishes them.
   */
  EVENT_BROKER_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** How long the outbox relay waits after a round that drained the outbox. */
  EVENT_RELAY_INTERVAL_SECONDS: Type.Number({ minimum: 0.05, maximum: 60, default: 0.5 }),
  /** Events one relay transaction publishes at most (one broker round trip of confirms). */
  EVENT_RELAY_BATCH: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
  /** A batch the broker has not confirmed within this long fails its round (the rows stay for the next), as does a connect it has not answered. */
  EVENT_PUBLISH_TIMEOUT_SECONDS: Type.Number({ minimum: 1, maximum: 300, default: 10 }),
  /**
   * Where the shop sends its spans (tracing/README.md): an OpenTelemetry collector's OTLP/HTTP base
   * URL (spans go to <url>/v1/traces): the twin's collector, or the instance's local agent on AWS.
   * https:// unless on loopback. Unset: no tracing, and no cost for it.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Whether the server applies pending migrations before it listens (under an advisory lock). */
  MIGRATE_ON_START: Type.Boolean({ default: true }),
  /** The SQL migrations; a bundled release sets its own copy (see src/release/service.ts). */
  MIGRATIONS_DIR: Type.String({ minLength: 1, default: MIGRATIONS_DIR }),
});

export type Config = Static<typeof ConfigSchema> & { DATABASE_READ_URL: string; DOCS_ENABLED: boolean };

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

/**
 * Reads and validates the config from an environment-like object. Throws ConfigError naming the
 * variable. `takesPayments: false` is for tools (the CLI's migrate, seed, export) that never
 * charge anyone: they may run with the test provider's default in production.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: { takesPayments?: boolean } = {}): Config {
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
  checkOrigins(config.ALLOWED_ORIGINS);
  checkTrustedProxies(config.TRUSTED_PROXIES, config.TRUSTED_PROXY_HOPS);
  for (const variable of ['DATABASE_URL', 'DATABASE_READ_URL'] as const) {
    const url = config[variable];
    const weak = url === undefined ? undefined : weakTlsReason(url, env.NODE_ENV);
    if (weak) throw new ConfigError(variable, weak);
  }
  if (options.takesPayments !== false) checkPayments(config, env.NODE_ENV);
  checkSignIn(config);
  checkCache(config);
  checkTracing(config);
  checkMediaBucket(config);
  if (config.EVENT_BROKER_URL !== undefined && !brokerOf(config.EVENT_BROKER_URL)) {
    throw new ConfigError('EVENT_BROKER_URL', 'must be amqp(s)://host… (a RabbitMQ node) or an SNS topic ARN (arn:aws:sns:region:account:name)');
  }
  if (config.DATABASE_CREDENTIALS_FILE) {
    try {
      readCredentialsFile(config.DATABASE_CREDENTIALS_FILE);
    } catch (err) {
      if (err instanceof CredentialsFileError) throw new ConfigError('DATABASE_CREDENTIALS_FILE', err.message);
      throw err;
    }
  }
  return { ...config, DATABASE_READ_URL: config.DATABASE_READ_URL ?? config.DATABASE_URL, DOCS_ENABLED: config.DOCS_ENABLED ?? env.NODE_ENV !== 'production' };
}

/**
 * The test provider approves any card without moving money, so production refuses it; Toss
 * needs both keys, an HTTPS API (loopback is the local stand-in), and a reconciler that waits
 * for a call to time out before it asks about that payment.
 */
function checkPayments(config: Static<typeof ConfigSchema>, nodeEnv: string | undefined): void {
  if (config.PAYMENT_PROVIDER === 'test') {
    if (nodeEnv === 'production') {
      throw new ConfigError(
        'PAYMENT_PROVIDER',
        'is "test" (the default), whose provider approves any card and moves no money; set PAYMENT_PROVIDER=toss with TOSS_CLIENT_KEY and TOSS_SECRET_KEY when NODE_ENV=production',
      );
    }
    return;
  }
  for (const variable of ['TOSS_CLIENT_KEY', 'TOSS_SECRET_KEY'] as const) {
    if (!config[variable]) throw new ConfigError(variable, 'is required when PAYMENT_PROVIDER=toss');
  }
  for (const variable of ['TOSS_API_URL', 'TOSS_SDK_URL'] as const) {
    const url = new URL(config[variable]);
    if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname))
      throw new ConfigError(variable, `must be https:// (http only on loopback, for the local stand-in), got "${config[variable]}"`);
  }
  if (config.PAYMENT_RECONCILE_AFTER_SECONDS * 1000 <= config.TOSS_TIMEOUT_MS) {
    throw new ConfigError(
      'PAYMENT_RECONCILE_AFTER_SECONDS',
      `must be longer than TOSS_TIMEOUT_MS (${config.TOSS_TIMEOUT_MS} ms), so the reconciler never races a confirm still waiting`,
    );
  }
}

/** The settings that turn sign-in through the user pool on: all of them or none. */
const SIGN_IN_REQUIRED = ['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URL'] as const;

/**
 * Sign-in through the user pool needs the issuer, the app client and the callback together; a
 * provider list or staff group without them is a mistake, not "off". `OIDC_PROVIDERS` may be
 * empty with the rest set (infra writes it so when the pool federates no provider yet).
 */
function checkSignIn(config: Static<typeof ConfigSchema>): void {
  const given = [...SIGN_IN_REQUIRED, 'OIDC_PROVIDERS', 'OIDC_STAFF_GROUP'].find((variable) => config[variable as keyof typeof config]);
  if (!given) return;
  for (const variable of SIGN_IN_REQUIRED) {
    if (!config[variable]) throw new ConfigError(variable, `is required when ${given} is set (sign-in through the user pool: set all of ${SIGN_IN_REQUIRED.join(', ')} or none)`);
  }
  for (const variable of ['OIDC_ISSUER_URL', 'OIDC_REDIRECT_URL'] as const) {
    const value = config[variable]!;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(variable, `must be a URL, got "${value}"`);
    }
    if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname))
      throw new ConfigError(variable, `must be https:// (http only on loopback, for a local provider), got "${value}"`);
  }
  try {
    parseSignInProviders(config.OIDC_PROVIDERS);
  } catch (err) {
    if (err instanceof SignInProvidersError) throw new ConfigError('OIDC_PROVIDERS', err.message);
    throw err;
  }
}

/** The cache carries sessions: off loopback it must be TLS (ElastiCache's in-transit encryption). */
function checkCache(config: Static<typeof ConfigSchema>): void {
  if (config.CACHE_URL === undefined) {
    if (config.CACHE_PASSWORD !== undefined) throw new ConfigError('CACHE_URL', 'is required when CACHE_PASSWORD is set');
    return;
  }
  let url: URL;
  try {
    url = new URL(config.CACHE_URL);
  } catch {
    throw new ConfigError('CACHE_URL', `must be a URL like rediss://host:6380, got "${config.CACHE_URL}"`);
  }
  if (url.protocol !== 'rediss:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError('CACHE_URL', `must be rediss:// (redis:// only on loopback, for the twin and tests), got "${config.CACHE_URL}"`);
  }
  if (url.password) throw new ConfigError('CACHE_URL', 'must not carry a password: set CACHE_PASSWORD');
}

/** The bucket and its region come together: the S3 client signs for one region. */
function checkMediaBucket(config: Static<typeof ConfigSchema>): void {
  if (config.MEDIA_BUCKET !== undefined && config.MEDIA_BUCKET_REGION === undefined) {
    throw new ConfigError('MEDIA_BUCKET_REGION', 'is required when MEDIA_BUCKET is set (the media bucket’s region, e.g. ap-northeast-2)');
  }
  if (config.MEDIA_BUCKET === undefined && config.MEDIA_BUCKET_REGION !== undefined) {
    throw new ConfigError('MEDIA_BUCKET', 'is required when MEDIA_BUCKET_REGION is set; unset both to keep images in MEDIA_DIR');
  }
}

/** Spans carry statements and ids: off loopback they travel over TLS, as the cache's data does. */
function checkTracing(config: Static<typeof ConfigSchema>): void {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined) return;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', `must be a URL like http://127.0.0.1:4318, got "${endpoint}"`);
  }
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', `must be https:// (http only on loopback, for a local collector), got "${endpoint}"`);
  }
  if (url.search || url.hash) throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', `must be a base URL without query or fragment (spans go to <url>/v1/traces), got "${endpoint}"`);
}

const isLoopbackHost = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Each allowed origin must be exactly an origin (scheme, host, optional port), as browsers send it in `Origin`. */
function checkOrigins(list: string): void {
  for (const entry of splitList(list)) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (origin !== entry || !/^https?:/.test(entry)) {
      throw new ConfigError('ALLOWED_ORIGINS', `must list origins like https://shop.example (scheme, host, optional port, no path or trailing slash), got "${entry}"`);
    }
  }
}

function checkTrustedProxies(list: string, hops: number): void {
  const entries = splitList(list);
  for (const entry of entries) {
    if (!parseAddressRange(entry)) throw new ConfigError('TRUSTED_PROXIES', `must list IP addresses or CIDR ranges, got "${entry}"`);
  }
  if (entries.length > 0 && hops === 0) throw new ConfigError('TRUSTED_PROXY_HOPS', 'must be at least 1 when TRUSTED_PROXIES is set');
  if (entries.length === 0 && hops > 0) throw new ConfigError('TRUSTED_PROXIES', "must name the nearest proxy's addresses when TRUSTED_PROXY_HOPS is set");
}

/** The entries of a comma-separated setting, trimmed, empty ones dropped. */
export function splitList(list: string): string[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

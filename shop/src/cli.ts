import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { frontDoorFailover } from '@evermall/topology';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { connect, writerUrl, type Sql } from './db/pools.js';
import { createAdmin } from './admin/staff-accounts.js';
import { endCachedSessionsOf } from './cache/cache.plugin.js';
import { sessionTouchAfterMs } from './plugins/sessions.js';
import { ShopError } from './errors.js';
import { DEFAULT_PRODUCT_COUNT, seedCatalog } from './seed/seed.js';
import { SEED_CATEGORIES } from './seed/catalog-data.js';
import { exportStaticSite } from './static-site/index.js';
import { mediaStorageFor, type MediaStorage } from './media/media-storage.js';
import { readCredentialsFile } from './db/credentials.js';
import { provisionDatabaseRoles } from './db/roles.js';

const USAGE = `Usage: shop <command> [options]

Commands:
  migrate                                   apply pending migrations (under an advisory lock)
  seed [--products N]                       load the seed catalog (default ${DEFAULT_PRODUCT_COUNT} products); safe to repeat
  create-admin --email E --password P [--name N]
                                            create a staff account (or reset its password)
  export-static --out DIR                   write the static backup site (read-only, "ordering is paused")
  create-db-roles --app FILE --migrator FILE [--consumer FILE]
                                            as the master user: create the shop's app and migration roles

Environment: DATABASE_URL (required), MEDIA_BUCKET and MEDIA_BUCKET_REGION or else MEDIA_DIR (images, default ./.media),
MIGRATIONS_DIR (default shop/migrations).
Run "shop <command> --help" for a command's options.`;

const HELP: Record<string, string> = {
  migrate: 'Usage: shop migrate\n\nApplies pending SQL migrations from MIGRATIONS_DIR (default shop/migrations) in order, under an advisory lock.',
  seed: `Usage: shop seed [--products N]\n\nLoads a deterministic catalog: ${SEED_CATEGORIES.length} categories and N products (default ${DEFAULT_PRODUCT_COUNT}, up to 1,000,000)\nwith Korean and English names and generated placeholder images in MEDIA_BUCKET (or MEDIA_DIR). Seeding again adds only\nproducts that are missing, so it is safe to repeat or to grow the catalog.`,
  'create-admin':
    'Usage: shop create-admin --email E --password P [--name N]\n\nCreates a staff account. If the email exists, it becomes staff and gets the new password, and its sessions end.\n' +
    'A blank, common or guessable password is refused (exit 65).',
  'export-static': `Usage: shop export-static --out DIR\n\nRenders the active catalog to static HTML in DIR (a symlink swapped atomically onto a new version\nfolder), with a banner saying ordering is paused and no forms. Running instances do this every\nBACKUP_EXPORT_INTERVAL_SECONDS (${frontDoorFailover.backupExportIntervalSeconds} s in the topology) when BACKUP_SITE_DIR is set.`,
  'create-db-roles':
    'Usage: shop create-db-roles --app FILE --migrator FILE [--consumer FILE]\n\nRun with DATABASE_URL (or DATABASE_CREDENTIALS_FILE) as the master user. Creates the roles the shop\n' +
    'logs in as (evermall_app: rows only, no DDL) and migrates as (evermall_migrator: owns the schema), each with\n' +
    'the password in its JSON secret file ({"username", "password"}) when it is created, and grants their privileges.\n' +
    "With --consumer, also the event consumers' login (evermall_consumer: a few columns, the inbox, the analytics store).\n" +
    'Safe to repeat: an existing role keeps its password (rotation owns it).',
};

class UsageError extends Error {}

/** The CLI never signs cookies or takes payments, so it needs neither SESSION_SECRET nor the payment keys; everything else is checked as the server checks it. */
function cliConfig(): Config {
  return loadConfig({ SESSION_SECRET: 'the-cli-does-not-sign-session-cookies', ...process.env }, { takesPayments: false });
}

/** The server instances serve sessions from the cache: its copies of the ended ones go too. */
async function endCachedSessions(config: Config, userId: number): Promise<void> {
  const touchAfterMs = sessionTouchAfterMs(config.SESSION_IDLE_MINUTES);
  const options = {
    connection: { url: config.CACHE_URL!, password: config.CACHE_PASSWORD },
    sessionTouchAfterMs: touchAfterMs,
    registry: new Registry(),
    log: pino({ level: 'silent' }),
  };
  if (!(await endCachedSessionsOf(options, userId))) {
    process.stderr.write(`The cache did not answer: its copies of the ended sessions stop working within ${Math.ceil(touchAfterMs / 1000)} s.\n`);
  }
}

async function withDatabase<T>(config: Config, work: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = connect(writerUrl(config.DATABASE_URL), { max: 4, applicationName: 'evermall-cli', credentialsFile: config.DATABASE_CREDENTIALS_FILE });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The images the config names (the media bucket, or MEDIA_DIR), let go of when the work is done. */
async function withMedia<T>(config: Config, work: (media: MediaStorage) => Promise<T>): Promise<T> {
  const media = mediaStorageFor(config);
  try {
    return await work(media);
  } finally {
    await media.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const help = HELP[command];
  if (!help) throw new UsageError(`Unknown command "${command}".`);
  const { values } = parseArgs({
    args: rest,
    options: {
      help: { type: 'boolean', short: 'h' },
      products: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      app: { type: 'string' },
      migrator: { type: 'string' },
      consumer: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return;
  }
  const config = cliConfig();

  switch (command) {
    case 'migrate': {
      const { applied } = await withDatabase(config, (sql) => migrate(sql, config.MIGRATIONS_DIR));
      process.stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'Nothing to apply; the schema is up to date.\n');
      return;
    }
    case 'seed': {
      const products = values.products === undefined ? DEFAULT_PRODUCT_COUNT : Number(values.products);
      if (!Number.isInteger(products) || products < 0 || products > 1_000_000) {
        throw new UsageError('--products must be a whole number from 0 to 1,000,000.');
      }
      const started = Date.now();
      const { result, location } = await withMedia(config, (media) =>
        withDatabase(config, async (sql) => {
          await migrate(sql, config.MIGRATIONS_DIR);
          const seeded = await seedCatalog({
            sql,
            media,
            products,
            onProgress: (done, total) => process.stderr.write(`\rseeding products: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`),
          });
          return { result: seeded, location: media.location };
        }),
      );
      process.stderr.write('\n');
      process.stdout.write(
        `Seeded ${result.categories} categories; ${result.productsInserted.toLocaleString('en')} new products ` +
          `(${result.productsTotal.toLocaleString('en')} in all) in ${((Date.now() - started) / 1000).toFixed(1)} s. Images in ${location}.\n`,
      );
      return;
    }
    case 'create-admin': {
      const { email, password, name } = values;
      if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new UsageError('--email must be an email address.');
      if (!password || password.length < 8) throw new UsageError('--password must be at least 8 characters.');
      const result = await withDatabase(config, async (sql) => {
        await migrate(sql, config.MIGRATIONS_DIR);
        return createAdmin(sql, { email, password, name });
      });
      const ended = result.sessionsEnded ? `; ended its ${result.sessionsEnded} session(s)` : '';
      process.stdout.write(`${result.created ? 'Created' : 'Updated'} staff account ${email} (id ${result.id})${ended}.\n`);
      if (config.CACHE_URL && result.sessionsEnded) await endCachedSessions(config, result.id);
      return;
    }
    case 'create-db-roles': {
      if (!values.app || !values.migrator) throw new UsageError('--app FILE and --migrator FILE are required.');
      const passwords = {
        app: readCredentialsFile(values.app).password,
        migrator: readCredentialsFile(values.migrator).password,
        consumer: values.consumer === undefined ? undefined : readCredentialsFile(values.consumer).password,
      };
      const { created } = await withDatabase(config, (sql) => provisionDatabaseRoles(sql, passwords));
      process.stdout.write(`${created.length ? `Created ${created.join(', ')}` : 'Both roles exist'}; privileges applied.\n`);
      return;
    }
    case 'export-static': {
      if (!values.out) throw new UsageError('--out DIR is required.');
      const out = values.out;
      const result = await withMedia(config, (media) => withDatabase(config, (sql) => exportStaticSite({ sql, media, outDir: out })));
      process.stdout.write(
        `Wrote ${result.pages.toLocaleString('en')} pages (${result.products.toLocaleString('en')} products, ${result.categories} categories, ` +
          `${result.images} images) to ${result.outDir}.\n`,
      );
      return;
    }
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(64);
  }
  if (err instanceof ShopError) {
    // A value the shop refuses (a weak password): say why; nothing was written.
    process.stderr.write(`${err.message}\n`);
    process.exit(65);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}. Set it in the environment (see shop/.env.example).\n`);
    process.exit(78);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`shop: ${message}\nCheck that DATABASE_URL points at a running PostgreSQL and try again.\n`);
  process.exit(1);
});

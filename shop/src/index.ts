export { buildApp, type BuildAppOptions } from './app.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { migrate, MIGRATIONS_DIR } from './db/migrate.js';
export { readCredentialsFile, type DatabaseCredentials } from './db/credentials.js';
export { databaseRoles, alternateUsername, provisionDatabaseRoles, rotateAlternatingUser } from './db/roles.js';
export { connect, createPools, withWriterRetry, isRetryableDbError, writerUrl, type Pools, type Queryable, type Sql } from './db/pools.js';
export { exportStaticSite, startBackupExporter, type ExportResult, type BackupExporter } from './static-site/index.js';
export { seedCatalog, type SeedResult } from './seed/seed.js';
export { createAdmin, type StaffAccount } from './admin/staff-accounts.js';

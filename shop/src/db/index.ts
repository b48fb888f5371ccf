// The database pools' public face (`@evermall/shop/db`), for processes outside the HTTP app (the
// event consumers, their tests): no fastify, no argon2.
export { connect, withWriterRetry, isRetryableDbError, writerUrl, type ConnectOptions, type Queryable, type Sql } from './pools.js';
export { readCredentialsFile, type DatabaseCredentials } from './credentials.js';
export { migrate, MIGRATIONS_DIR } from './migrate.js';

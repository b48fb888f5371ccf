import type { Queryable, Sql } from './pools.js';
import type { DatabaseCredentials } from './credentials.js';

/**
 * The shop's two database roles (docs/design.md, "Database password rotation"):
 * - `migrator` owns the schema and runs migrations (`shop migrate`, once per release);
 * - `app` is what every instance logs in as: reads and writes rows, never changes the schema.
 * The master user (RDS) or the superuser (twin) creates them with `provisionDatabaseRoles`.
 */
export const databaseRoles = { app: 'evermall_app', migrator: 'evermall_migrator' } as const;

/**
 * The event consumers' login (issue 16): the order notifier and the sales feed, Lambda functions
 * on AWS and the twin's consumer process. It is not an instance's login, so not one of
 * `databaseRoles` (which the instances, the chart and the roles custom resource are built from):
 * it reads the few columns a notification needs, records what it handled and writes the
 * analytics store (`objectPrivileges`), and nothing else.
 */
export const consumerRole = 'evermall_consumer';

/**
 * The other user of an alternating pair, as Secrets Manager's multi-user rotation function names
 * it: `<user>_clone`, and back (SecretsManagerRDSPostgreSQLRotationMultiUser, createSecret step).
 */
export function alternateUsername(username: string): string {
  return username.endsWith('_clone') ? username.slice(0, -'_clone'.length) : `${username}_clone`;
}

export interface RolePasswords {
  /** Set only when the role is created: later passwords belong to the rotation. */
  readonly app: string;
  readonly migrator: string;
  /** The consumers' login (`consumerRole`), created only where a password is given for it. */
  readonly consumer?: string | undefined;
}

/**
 * Privileges on objects the migrations make that the public schema's default privileges do not
 * cover: the analytics schema, and the consumers' login, which gets named tables and columns only
 * (no password hashes, addresses or payment references). Applied by provisioning, to what exists
 * then, and by every migrate that applies something, to what it made (`grantObjectPrivileges`),
 * so it does not matter which comes first: on a new database the roles come before the schema
 * (the twin, AWS's custom resource), and a role added later finds the objects already there.
 */
const objectPrivileges: readonly { readonly role: string; readonly privileges: string; readonly on: { readonly schema: string } | { readonly table: string } }[] = [
  // The staff sales charts read the analytics store (admin/sales.repository.ts).
  { role: databaseRoles.app, privileges: 'USAGE', on: { schema: 'analytics' } },
  { role: databaseRoles.app, privileges: 'SELECT', on: { table: 'analytics.daily_sales' } },
  { role: databaseRoles.app, privileges: 'SELECT', on: { table: 'analytics.stock_low' } },
  // The staff sales page counts orders per day from order_sales (daily_sales has a row per product of an order).
  { role: databaseRoles.app, privileges: 'SELECT', on: { table: 'analytics.order_sales' } },
  // The order notifier: whom to write to (the event carries the user's id) and the names bought.
  { role: consumerRole, privileges: 'SELECT (id, email, name)', on: { table: 'public.users' } },
  { role: consumerRole, privileges: 'SELECT (order_id, product_id, name)', on: { table: 'public.order_lines' } },
  // The sales feed: a product's category.
  { role: consumerRole, privileges: 'SELECT (id, category_id)', on: { table: 'public.products' } },
  { role: consumerRole, privileges: 'SELECT, INSERT', on: { table: 'public.consumer_inbox' } },
  { role: consumerRole, privileges: 'USAGE', on: { schema: 'analytics' } },
  { role: consumerRole, privileges: 'SELECT, INSERT, UPDATE', on: { table: 'analytics.daily_sales' } },
  { role: consumerRole, privileges: 'SELECT, INSERT, UPDATE', on: { table: 'analytics.order_sales' } },
  { role: consumerRole, privileges: 'SELECT, INSERT', on: { table: 'analytics.stock_low' } },
];

/**
 * Grants `objectPrivileges` for every role and object that exists now; the rest wait for the
 * provisioning or migration that makes them. Run by their owner (the migrator, in migrate) or a
 * member of it (the master user, in provisioning).
 */
export async function grantObjectPrivileges(sql: Queryable): Promise<void> {
  for (const { role, privileges, on } of objectPrivileges) {
    const [ready] =
      'schema' in on
        ? await sql<{ ok: boolean }[]>`SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = ${role}) AND to_regnamespace(${on.schema}) IS NOT NULL AS ok`
        : await sql<{ ok: boolean }[]>`SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = ${role}) AND to_regclass(${on.table}) IS NOT NULL AS ok`;
    if (!ready?.ok) continue;
    // The names are this module's constants, not input.
    await sql.unsafe(`GRANT ${privileges} ON ${'schema' in on ? `SCHEMA ${on.schema}` : `TABLE ${on.table}`} TO ${quoteIdent(role)}`);
  }
}

/**
 * Creates the two roles (and the consumers' when its password is given) if they are missing and
 * (re)applies their privileges. Safe to repeat:
 * an existing role keeps its password, which rotation owns from then on. Run as a superuser (the
 * twin) or as the RDS master user (rds_superuser with CREATEROLE), never as the shop.
 *
 * - The migrator may create objects in the schema (and trusted extensions such as pg_trgm in the
 *   database) and becomes the owner of what exists, so older schemas come under it too.
 * - The app gets DML on every table and sequence, now and (default privileges) for what the
 *   migrator creates later; without CREATE on the schema and without owning anything, it can
 *   neither create, alter nor drop (PostgreSQL docs, "Privileges" and ALTER DEFAULT PRIVILEGES).
 */
export async function provisionDatabaseRoles(sql: Sql, passwords: RolePasswords): Promise<{ created: string[] }> {
  const { app, migrator } = databaseRoles;
  const created: string[] = [];
  await sql.begin(async (tx) => {
    // Two provisioners at once (two instances booting) take turns.
    await tx`SELECT pg_advisory_xact_lock(4242002)`;
    const logins: [string, string][] = [
      [migrator, passwords.migrator],
      [app, passwords.app],
    ];
    if (passwords.consumer !== undefined) logins.push([consumerRole, passwords.consumer]);
    for (const [role, password] of logins) {
      const [exists] = await tx`SELECT 1 FROM pg_roles WHERE rolname = ${role}`;
      if (exists) continue;
      const [statement] = await tx<{ text: string }[]>`SELECT format('CREATE ROLE %I WITH LOGIN PASSWORD %L', ${role}::text, ${password}::text) AS text`;
      await tx.unsafe(statement!.text);
      created.push(role);
    }
    const [me] = await tx<{ database: string; superuser: boolean }[]>`SELECT current_database() AS database, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`;
    const db = tx(me!.database);
    // RDS's master user is no superuser: to hand objects to the migrator and set its default
    // privileges it must be a member of it (ALTER ... OWNER TO, ALTER DEFAULT PRIVILEGES FOR ROLE).
    if (!me!.superuser) await tx`GRANT ${tx(migrator)} TO CURRENT_USER`;
    await tx`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${tx(app)}`;
    await tx`GRANT CONNECT, CREATE ON DATABASE ${db} TO ${tx(migrator)}`;
    await tx`GRANT USAGE, CREATE ON SCHEMA public TO ${tx(migrator)}`;
    await tx`GRANT USAGE ON SCHEMA public TO ${tx(app)}`;
    await tx`REVOKE CREATE ON SCHEMA public FROM PUBLIC`;
    await adoptSchema(tx, migrator);
    await tx`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${tx(app)}`;
    await tx`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${tx(app)}`;
    await tx`ALTER DEFAULT PRIVILEGES FOR ROLE ${tx(migrator)} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${tx(app)}`;
    await tx`ALTER DEFAULT PRIVILEGES FOR ROLE ${tx(migrator)} IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${tx(app)}`;
    const [consumer] = await tx`SELECT 1 FROM pg_roles WHERE rolname = ${consumerRole}`;
    if (consumer) {
      await tx`GRANT CONNECT ON DATABASE ${db} TO ${tx(consumerRole)}`;
      await tx`GRANT USAGE ON SCHEMA public TO ${tx(consumerRole)}`;
    }
    await grantObjectPrivileges(tx);
  });
  return { created };
}

/** Makes the migrator the owner of every table, view, sequence and function in `public` that was made before it existed. */
async function adoptSchema(tx: Queryable, migrator: string): Promise<void> {
  const objects = await tx<{ kind: string; name: string }[]>`
    SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind, format('%I', c.relname) AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) <> ${migrator}
    UNION ALL
    SELECT 'FUNCTION', format('%I(%s)', p.proname, pg_get_function_identity_arguments(p.oid))
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> ${migrator}
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`;
  // A table's owned sequences (serial, identity) follow it.
  for (const o of objects) await tx.unsafe(`ALTER ${o.kind} public.${o.name} OWNER TO ${quoteIdent(migrator)}`);
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * One rotation by alternating users, the way Secrets Manager's multi-user rotation function
 * does it against PostgreSQL (setSecret step): the user not in the secret now gets `password`,
 * created on first use as a member of the current user (so it inherits every privilege), and
 * becomes the secret's login. The current user keeps its password, so connections and logins
 * that still use it keep working until the next rotation changes it. Run as the master user.
 */
export async function rotateAlternatingUser(sql: Sql, current: DatabaseCredentials, password: string): Promise<DatabaseCredentials> {
  const next = alternateUsername(current.username);
  const [exists] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${next}`;
  const [statement] = exists
    ? await sql<{ text: string }[]>`SELECT format('ALTER ROLE %I WITH PASSWORD %L', ${next}::text, ${password}::text) AS text`
    : await sql<{ text: string }[]>`SELECT format('CREATE ROLE %I WITH LOGIN PASSWORD %L', ${next}::text, ${password}::text) AS text`;
  await sql.unsafe(statement!.text);
  if (!exists) await sql`GRANT ${sql(current.username)} TO ${sql(next)}`;
  return { username: next, password };
}

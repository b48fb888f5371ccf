import { createRequire } from 'node:module';
import postgres from 'postgres';
import { consumerRole, databaseRoles, provisionDatabaseRoles } from '@evermall/shop/db-roles';

/**
 * The `DatabaseRoles` custom resource (infra/lib/constructs/database-roles.ts), invoked by the CDK
 * provider framework: reads the master, app and migration secrets, logs in as the master user over
 * verified TLS and creates or updates the shop's roles and grants (roles.ts). Create and Update do
 * the same, safely repeated; Delete leaves the roles in place, since the migrator owns the schema
 * and the fleet logs in as the app role.
 */

/** A database login as Secrets Manager keeps it for an RDS instance (the secret is attached to it). */
export interface DatabaseSecret {
  readonly username: string;
  readonly password: string;
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
}

/** What the construct passes as the custom resource's properties. */
export interface DatabaseRolesProperties {
  readonly MasterSecretArn: string;
  readonly AppSecretArn: string;
  readonly MigratorSecretArn: string;
  readonly AppRole: string;
  readonly MigratorRole: string;
  /** The order event consumers' login (issue 16): created with the others when given. */
  readonly ConsumerSecretArn?: string;
  readonly ConsumerRole?: string;
}

/** The part of a CloudFormation custom resource event the provider framework hands over. */
export interface DatabaseRolesEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: DatabaseRolesProperties & { readonly ServiceToken?: string };
}

export interface DatabaseRolesResult {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly Created: string };
}

/** How the handler reaches Secrets Manager and the database; tests pass local ones. */
export interface DatabaseRolesDeps {
  readSecret(arn: string): Promise<DatabaseSecret>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  connect(master: DatabaseSecret): postgres.Sql<any>;
}

/** One physical id for the life of the stack: an Update must never look like a replacement (which would Delete the old one). */
export const physicalResourceId = 'evermall-database-roles';

export async function handleDatabaseRolesEvent(event: DatabaseRolesEvent, deps: DatabaseRolesDeps): Promise<DatabaseRolesResult> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId ?? physicalResourceId, Data: { Created: '' } };
  const p = event.ResourceProperties;
  for (const key of ['MasterSecretArn', 'AppSecretArn', 'MigratorSecretArn', 'AppRole', 'MigratorRole'] as const) {
    if (!p[key]) throw new Error(`DatabaseRoles: property ${key} is missing`);
  }
  if (p.ConsumerSecretArn && p.ConsumerRole !== consumerRole) throw new Error(`DatabaseRoles: the consumers' role must be the shop's (${consumerRole}), got ${p.ConsumerRole}`);
  const [master, app, migrator, consumer] = await Promise.all(
    [p.MasterSecretArn, p.AppSecretArn, p.MigratorSecretArn, ...(p.ConsumerSecretArn ? [p.ConsumerSecretArn] : [])].map((arn) => deps.readSecret(arn)),
  );
  const sql = deps.connect(master!);
  try {
    // The passwords are used only to create a missing role; an existing one keeps the password its rotation gave it.
    // One copy of the roles' statements: the shop's, which the twin and `shop create-db-roles` run too.
    if (p.AppRole !== databaseRoles.app || p.MigratorRole !== databaseRoles.migrator) {
      throw new Error(`DatabaseRoles: the roles must be the shop's (${databaseRoles.app}, ${databaseRoles.migrator}), got ${p.AppRole}, ${p.MigratorRole}`);
    }
    const { created } = await provisionDatabaseRoles(sql as unknown as Parameters<typeof provisionDatabaseRoles>[0], {
      app: app!.password,
      migrator: migrator!.password,
      consumer: consumer?.password,
    });
    return { PhysicalResourceId: physicalResourceId, Data: { Created: created.join(',') } };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Parses a secret's JSON and checks the fields the handler uses. */
export function parseDatabaseSecret(arn: string, text: string | undefined): DatabaseSecret {
  const value = JSON.parse(text ?? 'null') as Partial<DatabaseSecret> | null;
  if (!value || typeof value.username !== 'string' || typeof value.password !== 'string' || typeof value.host !== 'string' || !value.port || typeof value.dbname !== 'string') {
    throw new Error(`DatabaseRoles: secret ${arn} is not an RDS login (username, password, host, port, dbname)`);
  }
  return { username: value.username, password: value.password, host: value.host, port: Number(value.port), dbname: value.dbname };
}

/**
 * The master user's connection: TLS with the server's certificate and host name verified. The
 * function's environment sets NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem, the Lambda Node.js
 * runtime's bundle of Amazon CA certificates, which includes RDS's (since Node.js 20 the runtime
 * no longer loads it by default).
 */
export function masterConnectionOptions(master: DatabaseSecret): postgres.Options<Record<string, postgres.PostgresType>> {
  return {
    host: master.host,
    port: master.port,
    database: master.dbname,
    username: master.username,
    password: master.password,
    ssl: 'verify-full',
    max: 1,
    connect_timeout: 10,
    onnotice: () => {},
  };
}

/**
 * The slice of the AWS SDK for JavaScript v3 the function uses. The Lambda Node.js runtime ships
 * the SDK (Lambda Developer Guide, "Runtime-included SDK versions"), so it is loaded from the
 * runtime, not bundled, and infra does not depend on it.
 */
interface SecretsManagerSdk {
  SecretsManagerClient: new (config: object) => { send(command: unknown): Promise<{ SecretString?: string }> };
  GetSecretValueCommand: new (input: { SecretId: string }) => unknown;
}

const runtimeRequire = createRequire(import.meta.url);

const lambdaDeps: DatabaseRolesDeps = {
  async readSecret(arn) {
    const sdk = runtimeRequire('@aws-sdk/client-secrets-manager') as SecretsManagerSdk;
    const out = await new sdk.SecretsManagerClient({}).send(new sdk.GetSecretValueCommand({ SecretId: arn }));
    return parseDatabaseSecret(arn, out.SecretString);
  },
  connect: (master) => postgres(masterConnectionOptions(master)),
};

export const handler = (event: DatabaseRolesEvent): Promise<DatabaseRolesResult> => handleDatabaseRolesEvent(event, lambdaDeps);

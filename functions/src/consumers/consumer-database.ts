import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { connect, writerUrl, type ConnectOptions, type Sql } from '@evermall/shop/db';
import { eventConsumers } from '@evermall/topology';
import { EnvironmentError, optionalVariable, requiredVariable, type Environment } from '../environment.js';
import { SecretLogin } from './database-secret.js';

/** The consumers' pool, and on AWS how it gets its login again after the database refused it. */
export interface ConsumerDatabase {
  sql: Sql;
  /** Reads the login again; whether it changed (SecretLogin.renew). Absent when each connection reads its login anyway (a file) or the URL carries it. */
  renewLogin?: () => Promise<boolean>;
}

export interface ConsumerDatabaseOptions {
  /** The Secrets Manager client the secret is read with; one for the secret's region otherwise. */
  secrets?: SecretsManagerClient;
}

/** A Secrets Manager secret's ARN: arn:<partition>:secretsmanager:<region>:<account>:secret:<name>. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/;

/**
 * The consumers' pool on the writer, from the environment:
 * - `CONSUMER_DATABASE_URL` (required): the writer as the consumers' login (`evermall_consumer`,
 *   shop/src/db/roles.ts), with its password unless one of the next two gives the login;
 * - `CONSUMER_DATABASE_SECRET_ARN` (AWS): the login's Secrets Manager secret (RDS JSON), read
 *   before the first connection and again when the database refuses it (SecretLogin);
 * - `CONSUMER_DATABASE_CREDENTIALS_FILE` (the twin's secret stand-in): a JSON file with `username`
 *   and `password`, read for every new connection, as the shop reads its own.
 * Invocations at once share it: at most `concurrency` connections.
 */
export async function consumerDatabase(env: Environment, consumer: string, options: ConsumerDatabaseOptions = {}): Promise<ConsumerDatabase> {
  const url = requiredVariable(env, 'CONSUMER_DATABASE_URL', "the writer database as the consumers' login: postgres://evermall_consumer@host:5432/evermall?sslmode=verify-full");
  if (!/^postgres(ql)?:\/\/[^/]/.test(url)) throw new EnvironmentError('CONSUMER_DATABASE_URL', 'must be a postgres:// URL');
  const secretArn = optionalVariable(env, 'CONSUMER_DATABASE_SECRET_ARN');
  const credentialsFile = optionalVariable(env, 'CONSUMER_DATABASE_CREDENTIALS_FILE');
  if (secretArn && credentialsFile) throw new EnvironmentError('CONSUMER_DATABASE_SECRET_ARN', 'and CONSUMER_DATABASE_CREDENTIALS_FILE both give the login: set one');
  const region = secretArn && SECRET_ARN.exec(secretArn)?.[1];
  if (secretArn && !region)
    throw new EnvironmentError('CONSUMER_DATABASE_SECRET_ARN', 'must be a Secrets Manager secret ARN: arn:aws:secretsmanager:<region>:<account>:secret:<name>');

  const pool: ConnectOptions = { max: eventConsumers.concurrency, applicationName: `evermall-${consumer}` };
  if (!secretArn) return { sql: connect(writerUrl(url), { ...pool, credentialsFile }) };
  const login = await SecretLogin.read(options.secrets ?? new SecretsManagerClient({ region }), secretArn);
  return {
    sql: connect(writerUrl(url), { ...pool, credentials: () => login.credentials }),
    renewLogin: () => login.renew(),
  };
}

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DatabaseCredentials } from '@evermall/shop/db';

/** The secret holds no `{"username", "password"}` (an RDS secret has both, among other fields): no connection could log in. */
export class DatabaseSecretError extends Error {
  override readonly name = 'DatabaseSecretError';
  readonly code = 'BAD_DATABASE_SECRET';

  constructor(
    readonly secretArn: string,
    problem: string,
  ) {
    super(`database secret ${secretArn} ${problem}`);
  }
}

/** The current version (AWSCURRENT) of an RDS database secret: its `username` and `password`. */
export async function readDatabaseSecret(client: SecretsManagerClient, secretArn: string): Promise<DatabaseCredentials> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (SecretString === undefined) throw new DatabaseSecretError(secretArn, 'has no SecretString');
  let parsed: unknown;
  try {
    parsed = JSON.parse(SecretString);
  } catch {
    throw new DatabaseSecretError(secretArn, 'is not JSON');
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new DatabaseSecretError(secretArn, 'must hold a non-empty "username" and "password"');
  }
  return { username, password };
}

/**
 * The consumers' database login on AWS, kept in memory: read from Secrets Manager once when the
 * execution environment starts, and again when the database refuses it. The secret rotates by
 * alternating users (Secrets Manager User Guide, "Rotation by alternating users"): a rotation
 * gives the other user a new password and makes it current, so the user read here keeps logging in
 * until the rotation after next changes its own password; the first refusal then reads the
 * secret's new current user. Reading it for every connection instead would cost a Secrets Manager
 * call per connection for a change that comes once a rotation period.
 */
export class SecretLogin {
  private renewal: Promise<boolean> | undefined;

  private constructor(
    private readonly client: SecretsManagerClient,
    readonly secretArn: string,
    private login: DatabaseCredentials,
  ) {}

  static async read(client: SecretsManagerClient, secretArn: string): Promise<SecretLogin> {
    return new SecretLogin(client, secretArn, await readDatabaseSecret(client, secretArn));
  }

  /** The login the next connection uses. */
  get credentials(): DatabaseCredentials {
    return this.login;
  }

  /**
   * Reads the secret again and answers whether its login differs from the one held: if not, the
   * refusal had another cause and trying again cannot help. Records refused at the same moment
   * share one read.
   */
  renew(): Promise<boolean> {
    this.renewal ??= readDatabaseSecret(this.client, this.secretArn)
      .then((fresh) => {
        const changed = fresh.username !== this.login.username || fresh.password !== this.login.password;
        this.login = fresh;
        return changed;
      })
      .finally(() => {
        this.renewal = undefined;
      });
    return this.renewal;
  }
}

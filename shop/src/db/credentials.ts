import { readFileSync } from 'node:fs';

/** The login a pool uses: the `username` and `password` fields of an RDS secret in Secrets Manager. */
export interface DatabaseCredentials {
  readonly username: string;
  readonly password: string;
}

/** The credentials file is missing, unreadable or not `{"username": …, "password": …}`. */
export class CredentialsFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`database credentials file ${file} ${detail}`);
    this.name = 'CredentialsFileError';
  }
}

/**
 * Reads the login from a JSON file holding at least `username` and `password`: the secret
 * Secrets Manager keeps for an RDS user, as the instance's env step writes it (infra
 * user-data.ts) or the twin's secret stand-in (twin/src/database/database-credentials.ts).
 *
 * The username is read too, not only the password: the alternating-users rotation flips the
 * secret between `evermall_app` and `evermall_app_clone` ("Rotation by alternating users",
 * Secrets Manager User Guide), so a pool that kept its first username would log in with the
 * other user's password after the second rotation.
 */
export function readCredentialsFile(file: string): DatabaseCredentials {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CredentialsFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CredentialsFileError(file, 'is not JSON');
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new CredentialsFileError(file, 'must hold a non-empty "username" and "password"');
  }
  return { username, password };
}

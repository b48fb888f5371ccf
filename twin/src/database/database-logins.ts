import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect, consumerRole, databaseRoles, provisionDatabaseRoles, readCredentialsFile, rotateAlternatingUser, type DatabaseCredentials } from '@evermall/shop';
import { databaseCredentialsFile } from '@evermall/shop/release';
import type { Owner } from '../processes.js';

/** The instances' two logins, and the event consumers' (the twin's consumer process; Lambda's on AWS). */
export type LoginName = keyof typeof databaseRoles | 'consumer';

const roleOf = (name: LoginName): string => (name === 'consumer' ? consumerRole : databaseRoles[name]);

export interface DatabaseLoginsOptions {
  /** Secrets Manager stand-in: the twin's own, unreadable to the instances. */
  secretsDir: string;
  /** The instances' secrets directory (ServiceDirectories.secrets), where the host's copy of the app login goes. */
  hostSecretsDir: string;
  /** The service user the instances run as (their group may read the host's copy); undefined when the twin is not root. */
  hostOwner: Owner | undefined;
}

/** What a rotation did, for the command's answer and the event log. */
export interface Rotation {
  previous: string;
  current: string;
}

/**
 * The shop's database logins (the instances' two and the event consumers') as Secrets Manager keeps them on AWS, and what an instance's
 * env step does with the app's (infra/lib/constructs/user-data.ts):
 * - one JSON secret per login (`username`, `password`), made with a random password on first use;
 * - the roles created by the superuser, as the RDS master user creates them (`shop create-db-roles`);
 * - the app login copied to the instances' secrets directory, where the shop reads it for every
 *   new connection (DATABASE_CREDENTIALS_FILE);
 * - `rotateApp()`, one rotation by alternating users, as the multi-user rotation function does.
 */
export class DatabaseLogins {
  constructor(private readonly options: DatabaseLoginsOptions) {}

  /** The login the secret holds now. */
  current(name: LoginName): DatabaseCredentials {
    const file = this.secretFile(name);
    if (!existsSync(file)) this.writeSecret(name, { username: roleOf(name), password: newPassword() });
    return readCredentialsFile(file);
  }

  /** Where the instances read the app login: the host's copy of the secret. */
  get hostCredentialsFile(): string {
    return databaseCredentialsFile({ secrets: this.options.hostSecretsDir });
  }

  /** Creates the roles if they are missing (as `superuserUrl`), then gives the instances the app login. */
  async provision(superuserUrl: string): Promise<string[]> {
    const sql = connect(superuserUrl, { max: 1, applicationName: 'twin-db-logins' });
    try {
      const { created } = await provisionDatabaseRoles(sql, {
        app: this.current('app').password,
        migrator: this.current('migrator').password,
        consumer: this.current('consumer').password,
      });
      this.publishToHost();
      return created;
    } finally {
      await sql.end({ timeout: 2 });
    }
  }

  /**
   * Rotates the app login by alternating users (SecretsManagerRDSPostgreSQLRotationMultiUser): the
   * user not in the secret gets a new password (created on first use as a member of the other),
   * `waitForReplicas` holds until every node can log it in, then the secret flips to it and the
   * host's copy follows. The previous user keeps its password, so open connections and any instance
   * still holding the old copy go on working until the next rotation.
   */
  async rotateApp(superuserUrl: string, waitForReplicas: (login: DatabaseCredentials) => Promise<void>): Promise<Rotation> {
    const previous = this.current('app');
    const sql = connect(superuserUrl, { max: 1, applicationName: 'twin-db-rotation' });
    let next: DatabaseCredentials;
    try {
      next = await rotateAlternatingUser(sql, previous, newPassword());
    } finally {
      await sql.end({ timeout: 2 });
    }
    await waitForReplicas(next);
    this.writeSecret('app', next);
    this.publishToHost();
    return { previous: previous.username, current: next.username };
  }

  /** The instances' copy of the app login: root's (the twin's), readable by the service user's group only. */
  publishToHost(): void {
    const { hostSecretsDir, hostOwner } = this.options;
    mkdirSync(hostSecretsDir, { recursive: true, mode: 0o750 });
    chmodSync(hostSecretsDir, hostOwner ? 0o750 : 0o700);
    if (hostOwner) chownSync(hostSecretsDir, 0, hostOwner.gid);
    const { username, password } = this.current('app');
    writeAtomically(this.hostCredentialsFile, { username, password }, hostOwner ? 0o640 : 0o600, hostOwner ? hostOwner.gid : undefined);
  }

  /**
   * The secret of a login: the consumer process reads its own here for every new connection
   * (CONSUMER_DATABASE_CREDENTIALS_FILE), as a Lambda function reads its secret on AWS. It runs as
   * the twin's user, who owns this folder; the instances never see it.
   */
  secretFile(name: LoginName): string {
    return path.join(this.options.secretsDir, `evermall-${name}.json`);
  }

  private writeSecret(name: LoginName, login: DatabaseCredentials): void {
    mkdirSync(this.options.secretsDir, { recursive: true, mode: 0o700 });
    writeAtomically(this.secretFile(name), { engine: 'postgres', username: login.username, password: login.password }, 0o600, undefined);
  }
}

/** Secrets Manager's generated passwords are 32 characters by default; these are 32 URL-safe ones. */
function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** A reader sees the old file or the new one, never half of one (rename is atomic). */
function writeAtomically(file: string, value: object, mode: number, gid: number | undefined): void {
  const next = `${file}.next`;
  writeFileSync(next, `${JSON.stringify(value)}\n`, { mode });
  chmodSync(next, mode);
  if (gid !== undefined) chownSync(next, 0, gid);
  renameSync(next, file);
}

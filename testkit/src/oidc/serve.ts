import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { OidcClientRegistration, OidcServer } from './provider-host.js';
import type { SocialProvider } from './social-federation.js';
import { startSocialIdp } from './social-idp.js';
import type { OidcUser } from './user-directory.js';
import { startUserPool } from './user-pool.js';

/** What `--config` names: the registrations and users of one provider (it holds client secrets: mode 0600). */
export interface OidcServeConfig {
  clients: OidcClientRegistration[];
  users?: OidcUser[];
  /** The user pool's social IdPs. */
  social?: SocialProvider[];
  /** The social IdP's name on its pages. */
  displayName?: string;
}

/** This file, for a parent that runs a provider as a process: `node --import tsx <oidcServeScript> --role pool|social …`. */
export const oidcServeScript = fileURLToPath(import.meta.url);

/**
 * One provider as a process (the twin runs the user pool and the social IdP this way, each in its
 * own process so one can die or be restarted alone): `--role pool|social --host H --port P
 * --data-dir DIR --config FILE`. Prints `listening <issuer>` once it answers; SIGTERM or SIGINT
 * closes it and exits 0.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { role: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' } },
  });
  const role = values.role;
  if (role !== 'pool' && role !== 'social') throw new Error('--role must be pool or social');
  const port = Number(values.port ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${values.port}`);
  if (!values.config) throw new Error('--config FILE is required');
  const config = JSON.parse(readFileSync(values.config, 'utf8')) as OidcServeConfig;
  const common = { host: values.host, port, dataDir: values['data-dir'], users: config.users ?? [], clients: config.clients };
  const server: OidcServer =
    role === 'pool' ? await startUserPool({ ...common, social: config.social ?? [] }) : await startSocialIdp({ ...common, displayName: config.displayName });
  process.stdout.write(`listening ${server.issuer}\n`);
  const stop = (signal: string) => {
    process.stdout.write(`${signal}: closing\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] === oidcServeScript) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}

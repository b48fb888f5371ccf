import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What a provider signs with: its id token keys (a private JWKS) and the keys of its signed cookies. */
export interface ProviderSecrets {
  jwks: { keys: Record<string, unknown>[] };
  cookieKeys: string[];
}

/**
 * A provider's keys, made once and kept in `dataDir` (`jwks.json`, `cookie-keys.json`, mode 0600)
 * so a restarted provider still verifies the id tokens relying parties hold and the session
 * cookies browsers hold; without a dataDir, new ones each start. One RSA 2048 key signs id tokens
 * with RS256, the algorithm Cognito uses and every relying party accepts (OpenID Connect Core §15.1).
 */
export function loadProviderSecrets(dataDir?: string): ProviderSecrets {
  if (dataDir === undefined) return { jwks: newJwks(), cookieKeys: newCookieKeys() };
  mkdirSync(dataDir, { recursive: true });
  return {
    jwks: keptOrMade(path.join(dataDir, 'jwks.json'), newJwks),
    cookieKeys: keptOrMade(path.join(dataDir, 'cookie-keys.json'), newCookieKeys),
  };
}

function keptOrMade<T>(file: string, make: () => T): T {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
  const made = make();
  // 'wx': two processes sharing a dataDir by mistake fail here rather than sign with different keys.
  writeFileSync(file, JSON.stringify(made, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return made;
}

function newJwks(): { keys: Record<string, unknown>[] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
}

function newCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}

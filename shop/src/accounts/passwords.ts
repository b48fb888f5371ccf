import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id; the package's const enum cannot be imported under verbatimModuleSyntax.
const ARGON2ID = 2;

/**
 * argon2id with OWASP's minimum profile (19 MiB, 2 iterations, 1 lane): about 20 ms here,
 * slow enough against offline guessing, fast enough for a login path under load.
 * (OWASP Password Storage Cheat Sheet, "Argon2id".)
 */
const PARAMS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

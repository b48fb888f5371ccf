import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * What a release is built from and for. shop/build.mjs records it in the release's manifest and
 * infra refuses to ship a release whose manifest no longer matches (infra/lib/constructs/shop-bundle.ts).
 * Node runs this file with its built-in type stripping (build.mjs imports it), so it imports only
 * Node's own modules.
 */

/** The platform every release is built for: the fleet's x86_64 Amazon Linux 2023 (glibc). */
export const releaseTarget = { os: 'linux', cpu: 'x64', libc: 'glibc' } as const;

/** The release's manifest, next to server.js. */
export const releaseManifestFile = 'release.json';

export interface ReleaseManifest {
  readonly target: typeof releaseTarget;
  /** The runtime's `node --version`. */
  readonly node: string;
  /** sha256 over every input file (releaseInputFiles), see releaseInputsDigest. */
  readonly inputsDigest: string;
  /** Native packages shipped for the target, `name@version`. */
  readonly native: readonly string[];
}

/**
 * Everything the bundle is built from, relative to the repository root: the shop's sources,
 * migrations and build script, the workspace it bundles (topology), the lockfile that pins every
 * dependency and the patches applied to them. Tests and benchmarks are left out: they never
 * reach the bundle.
 */
const inputRoots = ['shop/src', 'shop/migrations', 'shop/build.mjs', 'shop/package.json', 'topology/src', 'topology/package.json', 'package-lock.json', 'patches'];

function isInput(relative: string): boolean {
  return !/\.test\.ts$/.test(relative) && !relative.split('/').includes('testing');
}

function listFiles(root: string, relative: string): string[] {
  const full = path.join(root, relative);
  let stat;
  try {
    stat = statSync(full);
  } catch {
    return []; // an optional input (e.g. no patches folder)
  }
  if (stat.isFile()) return isInput(relative) ? [relative] : [];
  return readdirSync(full)
    .sort()
    .flatMap((name) => listFiles(root, `${relative}/${name}`));
}

/** The input files of a release, sorted, relative to the repository root. */
export function releaseInputFiles(repositoryRoot: string): string[] {
  return inputRoots.flatMap((r) => listFiles(repositoryRoot, r));
}

/** sha256 over the target and each input's path and content: equal digests, equal bundles. */
export function releaseInputsDigest(repositoryRoot: string): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(releaseTarget));
  for (const file of releaseInputFiles(repositoryRoot)) {
    hash.update(`\0${file}\0`);
    hash.update(readFileSync(path.join(repositoryRoot, file)));
  }
  return `sha256:${hash.digest('hex')}`;
}

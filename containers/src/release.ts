import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureCurrentRelease, releaseManifestFile, type ReleaseManifest } from '@evermall/shop/release';

/**
 * The release the image carries: shop/dist, the very folder infra ships as the EC2 fleet's S3 asset
 * (infra/lib/constructs/shop-bundle.ts), built by shop/build.mjs. The shop's own `staleReason` and
 * `ensureCurrentRelease` (the same ones infra uses) decide whether it must be rebuilt first, so an
 * image never carries a bundle older than the sources; the build context is the repository root
 * and the Dockerfile copies shop/dist from it.
 */
export const releaseDir = (repositoryRoot: string) => path.join(repositoryRoot, 'shop', 'dist');

/** Makes shop/dist current (rebuilding it when stale) and returns its manifest. */
export function ensureRelease(repositoryRoot: string, progress: (line: string) => void = () => undefined): ReleaseManifest {
  const dir = releaseDir(repositoryRoot);
  const rebuilt = ensureCurrentRelease(path.join(repositoryRoot, 'shop'), dir);
  if (rebuilt) progress(`built the shop release (shop/dist: ${rebuilt})`);
  return JSON.parse(readFileSync(path.join(dir, releaseManifestFile), 'utf8')) as ReleaseManifest;
}

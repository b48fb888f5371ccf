import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { releaseInputsDigest, releaseManifestFile, releaseTarget, type ReleaseManifest } from './inputs.js';
import { releaseLayout } from './layout.js';

/**
 * Whether a release folder (shop/dist) can be shipped as it is: what infra puts in the EC2 fleet's
 * S3 asset and what the container image carries. One check for both, so neither ever ships a
 * bundle older than the sources or built for another platform.
 */

/** Why a release folder cannot be shipped as it is, or undefined when it is current. */
export function staleReason(distDir: string, repositoryRoot: string): string | undefined {
  if (!existsSync(path.join(distDir, releaseLayout.server)) || !existsSync(path.join(distDir, releaseLayout.runtime))) return 'it is not built';
  const manifestPath = path.join(distDir, releaseManifestFile);
  if (!existsSync(manifestPath)) return `it has no ${releaseManifestFile} (built before releases carried one)`;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<ReleaseManifest>;
  if (JSON.stringify(manifest.target) !== JSON.stringify(releaseTarget)) return `it was built for ${JSON.stringify(manifest.target)}, not ${JSON.stringify(releaseTarget)}`;
  if (manifest.inputsDigest !== releaseInputsDigest(repositoryRoot)) return 'its sources changed since it was built';
  return undefined;
}

/**
 * Makes `distDir` hold a release built from the current sources for the fleet's platform:
 * rebuilds it (shop/build.mjs, about a second, no Docker) when it is missing or stale, and
 * throws if even a fresh build does not match. Returns why it rebuilt, if it did.
 */
export function ensureCurrentRelease(shopDir: string, distDir: string): string | undefined {
  const repositoryRoot = path.dirname(shopDir);
  const reason = staleReason(distDir, repositoryRoot);
  if (!reason) return undefined;
  // Build beside it and rename, so two builds running at once never see half a bundle.
  const staging = `${distDir}.build-${process.pid}`;
  execFileSync(process.execPath, [path.join(shopDir, 'build.mjs'), '--out', staging], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (staleReason(distDir, repositoryRoot)) {
    rmSync(distDir, { recursive: true, force: true });
    try {
      renameSync(staging, distDir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another build won the race
    }
  } else {
    rmSync(staging, { recursive: true, force: true }); // another build made the same release meanwhile
  }
  const still = staleReason(distDir, repositoryRoot);
  if (still) throw new Error(`shop release ${distDir} cannot be shipped: ${still}, even after a rebuild (are the sources changing meanwhile?)`);
  return reason;
}

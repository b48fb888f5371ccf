import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { releaseFiles, releaseInputsDigest, releaseManifestFile, releaseTarget, type ReleaseManifest } from '@evermall/shop/release';
import { workspaceDir } from './workspace.js';

/** Why a release folder cannot be shipped as it is, or undefined when it is current. */
export function staleReason(distDir: string, repositoryRoot: string): string | undefined {
  const release = releaseFiles(distDir);
  if (!existsSync(release.server) || !existsSync(release.runtime)) return 'it is not built';
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
  // Build beside it and rename, so two synths running at once never see half a bundle.
  const staging = `${distDir}.build-${process.pid}`;
  execFileSync(process.execPath, [path.join(shopDir, 'build.mjs'), '--out', staging], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (staleReason(distDir, repositoryRoot)) {
    rmSync(distDir, { recursive: true, force: true });
    try {
      renameSync(staging, distDir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another synth won the race
    }
  } else {
    rmSync(staging, { recursive: true, force: true }); // another synth built the same release meanwhile
  }
  const still = staleReason(distDir, repositoryRoot);
  if (still) throw new Error(`shop release ${distDir} cannot be shipped: ${still}, even after a rebuild (are the sources changing while you synthesize?)`);
  return reason;
}

/**
 * The shop as an S3 asset: the release in shop/dist (server.js, cli.js, migrations, the native
 * argon2 binary for linux-x64-gnu, the Node runtime and release.json). A release that is missing,
 * built for another platform, or older than the sources is never shipped: synthesis rebuilds it.
 * A changed bundle changes the asset key, hence the user data, hence the launch template version,
 * which rolls the fleet.
 */
export class ShopBundle extends Construct {
  public readonly asset: s3assets.Asset;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const shopDir = workspaceDir('@evermall/shop');
    const distDir = path.join(shopDir, 'dist');
    const rebuilt = ensureCurrentRelease(shopDir, distDir);
    if (rebuilt) Annotations.of(this).addInfo(`shop/dist was rebuilt: ${rebuilt}`);
    this.asset = new s3assets.Asset(this, 'Asset', { path: distDir });
  }
}

import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { releaseFiles } from '@evermall/shop/release';
import { workspaceDir } from './workspace.js';

/**
 * The shop as an S3 asset: the release in shop/dist (server.js, cli.js, migrations, the native
 * argon2 binary and the Node runtime). If it has not been built, synthesis builds it; esbuild
 * takes about a second and needs no Docker. A changed bundle changes the asset key, hence the user data,
 * hence the launch template version, which rolls the fleet.
 */
export class ShopBundle extends Construct {
  public readonly asset: s3assets.Asset;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const shopDir = workspaceDir('@evermall/shop');
    const distDir = path.join(shopDir, 'dist');
    const release = releaseFiles(distDir);
    if (!existsSync(release.server) || !existsSync(release.runtime)) {
      // Build beside it and rename, so two synths running at once never see half a bundle.
      const staging = `${distDir}.build-${process.pid}`;
      execFileSync(process.execPath, [path.join(shopDir, 'build.mjs'), '--out', staging], { stdio: ['ignore', 'ignore', 'inherit'] });
      // A bundle built before releases carried their runtime would otherwise stay in the way.
      if (existsSync(release.server) && !existsSync(release.runtime)) rmSync(distDir, { recursive: true, force: true });
      try {
        renameSync(staging, distDir);
      } catch {
        rmSync(staging, { recursive: true, force: true }); // another synth won the race
      }
    }
    this.asset = new s3assets.Asset(this, 'Asset', { path: distDir });
  }
}

import path from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { ensureCurrentRelease } from '@evermall/shop/release';
import { workspaceDir } from './workspace.js';

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

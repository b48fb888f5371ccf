import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { AccessLogs } from '../constructs/access-logs.js';
import { RecoveryVault } from '../constructs/cross-region-backup.js';
import { MediaFileSystemReplica } from '../constructs/cross-region-media.js';
import { ReplicaBucket, replicaBucketName, type ReplicatedContent } from '../constructs/cross-region-replication.js';
import { recoveryStorageOutputs } from '../recovery-names.js';

export interface RecoveryStorageStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  /** The recovery region's app group (its NetworkStack). */
  readonly appSecurityGroup: ec2.ISecurityGroup;
  readonly stackPrefix: string;
}

/**
 * Where the primary region's data lands in the recovery region, before anything there uses it: the
 * copies of the SPA, backup-site and media buckets (S3 replication), the media file system (EFS
 * replication), and the vault the daily backups are copied into. It depends on nothing of the
 * primary region and is deployed before it, because each replication names its destination: the
 * buckets and the vault by fixed names, the file system through a cross-region reference.
 */
export class RecoveryStorageStack extends Stack {
  public readonly copies: Record<ReplicatedContent, ReplicaBucket>;
  public readonly vault: RecoveryVault;
  public readonly mediaFileSystem: MediaFileSystemReplica;
  /** The region's access-log bucket: the copies' server access logs and the recovery ALB's. */
  public readonly accessLogs: AccessLogs;

  constructor(scope: Construct, id: string, props: RecoveryStorageStackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    this.accessLogs = new AccessLogs(this, 'AccessLogs');
    const logs = this.accessLogs;
    const copy = (content: ReplicatedContent, cloudFrontReads: boolean) =>
      new ReplicaBucket(this, `${content[0]!.toUpperCase()}${content.slice(1)}Copy`, {
        accessLogs: logs.bucket,
        bucketName: replicaBucketName(props.stackPrefix, content, this.region),
        cloudFrontReads,
      });
    // The SPA and the backup site are CloudFront origins (public content); the media originals are not.
    this.copies = { spa: copy('spa', true), site: copy('site', true), media: copy('media', false) };
    this.vault = new RecoveryVault(this, 'Backups', { stackPrefix: props.stackPrefix });
    this.mediaFileSystem = new MediaFileSystemReplica(this, 'MediaFiles', { vpc: props.vpc, appSecurityGroup: props.appSecurityGroup });
    new CfnOutput(this, recoveryStorageOutputs.mediaFileSystemId, {
      description: 'The media file system the promotion makes writable (EFS replication destination)',
      value: this.mediaFileSystem.media.fileSystem.fileSystemId,
    });
  }
}

import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import { Construct } from 'constructs';
import { SharedMedia } from './shared-media.js';

export interface MediaFileSystemReplicaProps {
  readonly vpc: ec2.IVpc;
  /** The recovery region's app group: the only peer admitted, on NFS. */
  readonly appSecurityGroup: ec2.ISecurityGroup;
}

/**
 * The recovery region's media file system: the same SharedMedia (mount targets, TLS-only policy,
 * the access point the instances mount), made the destination of the primary's EFS replication.
 * A destination must have its replication overwrite protection off, and is read-only while it is
 * one (EFS User Guide, "Configuring replication to an existing EFS file system"). The promotion
 * deletes the replication configuration, which makes it writable (and turns the protection back
 * on) within minutes (EFS User Guide, "Deleting replication configurations").
 */
export class MediaFileSystemReplica extends Construct {
  public readonly media: SharedMedia;

  constructor(scope: Construct, id: string, props: MediaFileSystemReplicaProps) {
    super(scope, id);
    this.media = new SharedMedia(this, 'Media', props);
    (this.media.fileSystem.node.defaultChild as efs.CfnFileSystem).fileSystemProtection = { replicationOverwriteProtection: 'DISABLED' };
  }
}

/**
 * EFS replication of the primary's media file system into the recovery region's copy; set on the
 * source's own CloudFormation resource. EFS keeps the copy current continuously (the
 * TimeSinceLastSync metric says how far behind it is).
 */
export function replicateFileSystem(source: efs.FileSystem, destination: { readonly fileSystemId: string; readonly region: string }): void {
  (source.node.defaultChild as efs.CfnFileSystem).replicationConfiguration = {
    destinations: [{ fileSystemId: destination.fileSystemId, region: destination.region }],
  };
}

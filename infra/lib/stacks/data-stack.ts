import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { Backups } from '../constructs/backups.js';
import { Database } from '../constructs/database.js';
import { SharedMedia } from '../constructs/shared-media.js';
import type { ProfileSettings } from '../parameters.js';

export interface DataStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly appSecurityGroup: ec2.ISecurityGroup;
  readonly settings: ProfileSettings;
  readonly iamDatabaseAuth: boolean;
  readonly secretRotationDays: number;
  /** Deletion protection on the database instances (parameter deletionProtection). */
  readonly deletionProtection: boolean;
}

/** Stateful resources: the database, the media file system and their backups. Their ids never change. */
export class DataStack extends Stack {
  public readonly database: Database;
  public readonly media: SharedMedia;
  public readonly backups: Backups;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.database = new Database(this, 'Database', {
      vpc: props.vpc,
      appSecurityGroup: props.appSecurityGroup,
      instanceType: props.settings.databaseInstanceType,
      readReplica: props.settings.readReplica,
      allocatedStorageGiB: props.settings.allocatedStorageGiB,
      maxAllocatedStorageGiB: props.settings.maxAllocatedStorageGiB,
      iamAuthentication: props.iamDatabaseAuth,
      rotationDays: props.secretRotationDays,
      deletionProtection: props.deletionProtection,
    });
    this.media = new SharedMedia(this, 'Media', { vpc: props.vpc, appSecurityGroup: props.appSecurityGroup });
    this.backups = new Backups(this, 'Backups', { database: this.database.instance, fileSystem: this.media.fileSystem });
  }
}

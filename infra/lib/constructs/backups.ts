import * as backup from 'aws-cdk-lib/aws-backup';
import type * as efs from 'aws-cdk-lib/aws-efs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';

export interface BackupsProps {
  readonly database: rds.DatabaseInstance;
  readonly fileSystem: efs.FileSystem;
}

/**
 * AWS Backup: daily recovery points kept 35 days for the database and the media file system,
 * in addition to RDS's own point-in-time recovery window.
 */
export class Backups extends Construct {
  public readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: BackupsProps) {
    super(scope, id);
    this.plan = backup.BackupPlan.daily35DayRetention(this, 'Plan');
    this.plan.addSelection('DatabaseAndMedia', {
      resources: [backup.BackupResource.fromRdsDatabaseInstance(props.database), backup.BackupResource.fromEfsFileSystem(props.fileSystem)],
    });
  }
}

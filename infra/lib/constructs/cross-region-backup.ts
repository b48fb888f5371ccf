import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import { Construct } from 'constructs';

/** How long the copies in the recovery region are kept: as long as the primary region's recovery points (Backups). */
export const recoveryCopyRetentionDays = 35;

/** The recovery region's vault: a fixed name, so the primary region's plan can name it without a reference. */
export function recoveryVaultName(stackPrefix: string): string {
  return `${stackPrefix}-recovery`;
}

/**
 * The vault in the recovery region that receives a copy of every recovery point of the primary
 * region's plan (the database and the media file system). AWS Backup re-encrypts each copy with
 * this vault's key, so the primary region's keys are not needed to restore here.
 */
export class RecoveryVault extends Construct {
  public readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: { readonly stackPrefix: string }) {
    super(scope, id);
    this.vault = new backup.BackupVault(this, 'Vault', { backupVaultName: recoveryVaultName(props.stackPrefix), removalPolicy: RemovalPolicy.RETAIN });
  }
}

export interface BackupCopyRuleProps {
  /** The primary region's plan (Backups): one daily rule, kept 35 days. */
  readonly plan: backup.BackupPlan;
  readonly stackPrefix: string;
  readonly recoveryRegion: string;
}

/**
 * A cross-region copy action on the primary region's daily rule (AWS Backup Developer Guide,
 * "Creating backup copies across AWS Regions"): each recovery point the rule makes is copied into
 * the recovery region's vault once it completes. A restore from there is the fallback when the
 * replica itself is unusable; its recovery point is up to a day old.
 */
export class BackupCopyRule extends Construct {
  /** The destination vault's ARN, as the copy action names it. */
  public readonly destinationVaultArn: string;

  constructor(scope: Construct, id: string, props: BackupCopyRuleProps) {
    super(scope, id);
    this.destinationVaultArn = Stack.of(props.plan).formatArn({
      service: 'backup',
      region: props.recoveryRegion,
      resource: 'backup-vault',
      resourceName: recoveryVaultName(props.stackPrefix),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // The plan's one rule comes from BackupPlan.daily35DayRetention, whose rules cannot be changed
    // after they are added; the copy action is added to the rendered rule.
    (props.plan.node.defaultChild as backup.CfnBackupPlan).addPropertyOverride('BackupPlan.BackupPlanRule.0.CopyActions', [
      { DestinationBackupVaultArn: this.destinationVaultArn, Lifecycle: { DeleteAfterDays: recoveryCopyRetentionDays } },
    ]);
  }
}

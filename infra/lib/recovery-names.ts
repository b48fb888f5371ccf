/**
 * What the recovery region's stacks and the promotion script (scripts/dr.ts) both name: the stacks,
 * their outputs and the two stack parameters the promotion changes. Written once here, so the
 * script finds what the stacks made (infra/README.md, "Disaster recovery").
 */

/** The stacks of the recovery region; the network stack is the primary region's NetworkStack. */
export function recoveryStackNames(stackPrefix: string) {
  return {
    network: `${stackPrefix}-RecoveryNetwork`,
    storage: `${stackPrefix}-RecoveryStorage`,
    data: `${stackPrefix}-RecoveryData`,
    app: `${stackPrefix}-RecoveryApp`,
  } as const;
}

/** Outputs of the RecoveryData stack. */
export const recoveryDataOutputs = {
  primaryRegion: 'PrimaryRegion',
  replicaIdentifier: 'ReplicaIdentifier',
  replicaEndpoint: 'ReplicaEndpoint',
  cacheReplicationGroupId: 'CacheReplicationGroupId',
  globalDatastoreId: 'GlobalDatastoreId',
  appSecretArn: 'AppSecretArn',
  migratorSecretArn: 'MigratorSecretArn',
  masterSecretArn: 'MasterSecretArn',
} as const;

/** Outputs of the RecoveryStorage stack. */
export const recoveryStorageOutputs = {
  mediaFileSystemId: 'MediaFileSystemId',
} as const;

/** Outputs of the RecoveryApp stack. */
export const recoveryAppOutputs = {
  fleetName: 'FleetName',
  targetGroupArn: 'TargetGroupArn',
  apiOriginName: 'ApiOriginName',
} as const;

/**
 * CloudFormation parameters of the RecoveryApp stack. They hold state the promotion changes, not
 * configuration: the promotion sets them with UpdateStack (previous template), and a later
 * `cdk deploy` keeps them, because the CDK CLI reuses a stack's previous parameter values
 * (`--previous-parameters`, on by default). So a deploy after a promotion neither scales the
 * recovery fleet back to zero nor points DNS back at the failed region.
 */
export const recoveryAppParameters = {
  /** `false`: the standby (no instance); `true`: topology's capacity and warm pool. */
  serving: 'Serving',
  /** The region whose ALB the api origin's PRIMARY failover record names. */
  activeRegion: 'ActiveRegion',
} as const;

/**
 * The name api.<domain> aliases when a recovery region exists: a Route 53 failover pair between the
 * two regions' ALBs (RegionalFailoverDns). CloudFront's API origin and the apex keep resolving
 * api.<domain>, so they follow it.
 */
export function apiOriginName(domainName: string): string {
  return `api-origin.${domainName}`;
}

/** The CloudWatch alarm, in each region, that the api origin's Route 53 health check of that region reads. */
export function entryPointAlarmName(stackPrefix: string): string {
  return `${stackPrefix}-shop-healthy-hosts`;
}

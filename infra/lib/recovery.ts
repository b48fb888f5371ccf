import type { App } from 'aws-cdk-lib';
import { BackupCopyRule } from './constructs/cross-region-backup.js';
import { GlobalDatastore } from './constructs/cross-region-cache.js';
import { EntryPointAlarm } from './constructs/cross-region-failover-dns.js';
import { replicateFileSystem } from './constructs/cross-region-media.js';
import { CrossRegionReplication, replicaBucketName } from './constructs/cross-region-replication.js';
import { replicateSecret, secretConstruct } from './constructs/cross-region-secrets.js';
import { shopClientSecretName } from './constructs/user-pool.js';
import type { DomainParameters, Parameters, RecoveryParameters } from './parameters.js';
import { apiOriginName, entryPointAlarmName, recoveryStackNames } from './recovery-names.js';
import type { AppStack } from './stacks/app-stack.js';
import type { DataStack } from './stacks/data-stack.js';
import type { EdgeStack } from './stacks/edge-stack.js';
import { NetworkStack } from './stacks/network-stack.js';
import { RecoveryAppStack } from './stacks/recovery-app-stack.js';
import { RecoveryDataStack } from './stacks/recovery-data-stack.js';
import { RecoveryStorageStack } from './stacks/recovery-storage-stack.js';

/** The recovery region's stacks, named as EvermallStacks holds them. */
export interface RecoveryStacks {
  readonly recoveryNetwork: NetworkStack;
  readonly recoveryStorage: RecoveryStorageStack;
  readonly recoveryData: RecoveryDataStack;
  readonly recoveryApp: RecoveryAppStack;
}

/** The primary region's stacks the recovery region copies from; Data and App must allow cross-region references. */
export interface PrimaryRegionStacks {
  readonly data: DataStack;
  readonly app: AppStack;
  readonly edge: EdgeStack;
}

/** What the Edge stack needs before the recovery stacks exist: the SPA copy's name and the api origin pair's. */
export function edgeRecoveryProps(stackPrefix: string, recovery: RecoveryParameters, domain: DomainParameters) {
  return { region: recovery.region, spaBucketName: replicaBucketName(stackPrefix, 'spa', recovery.region), apiOriginName: apiOriginName(domain.domainName) };
}

/**
 * The recovery region (parameter recovery=replica; infra/README.md, "Disaster recovery"): its four
 * stacks, and what the primary region's stacks add to feed them: replicas of the secrets, the
 * Global Datastore, the backup copy rule, EFS and S3 replication, and its own entry-point alarm.
 *
 * Deploy order, which CDK derives from the references and the dependencies below:
 * RecoveryNetwork → RecoveryStorage (the replication destinations) → the primary's Data, App and
 * Edge → RecoveryData (the replica and the cache secondary) → RecoveryApp (the standby fleet and the
 * regions' failover pair) → the primary's Edge (api.<domain> aliases that pair) → Failover.
 */
export function addRecoveryRegion(
  app: App,
  parameters: Parameters & { readonly recovery: RecoveryParameters; readonly domain: DomainParameters },
  primary: PrimaryRegionStacks,
): RecoveryStacks {
  const { stackPrefix: prefix, recovery, settings, domain } = parameters;
  const names = recoveryStackNames(prefix);
  const env = { region: recovery.region };
  const description = (what: string) => `Evermall (${parameters.profile}, recovery region): ${what}`;

  const network = new NetworkStack(app, names.network, {
    env,
    description: description('VPC and security groups'),
    natGateways: settings.natGateways,
    httpsListener: true,
    compute: 'ec2',
  });
  const storage = new RecoveryStorageStack(app, names.storage, {
    env,
    description: description('copies of the buckets, the media file system and the backups'),
    vpc: network.network.vpc,
    appSecurityGroup: network.securityGroups.app,
    stackPrefix: prefix,
  });

  const globalDatastore = feedFromPrimary(primary, storage, prefix, recovery.region);
  const { database, cache, paymentProvider } = primary.data;

  const data = new RecoveryDataStack(app, names.data, {
    env,
    description: description('RDS cross-region read replica, Global Datastore secondary'),
    vpc: network.network.vpc,
    appSecurityGroup: network.securityGroups.app,
    cacheSecurityGroup: network.securityGroups.cache,
    primaryDatabase: database,
    globalDatastoreId: globalDatastore.globalReplicationGroupId,
    cacheReplicas: parameters.cacheReplicas,
    databaseInstanceType: settings.databaseInstanceType,
    deletionProtection: parameters.deletionProtection,
    terminationProtection: parameters.deletionProtection,
  });
  const appStack = new RecoveryAppStack(app, names.app, {
    env,
    description: description('ALB, the standby fleet (zero until promoted), Route 53 failover between the regions'),
    vpc: network.network.vpc,
    loadBalancerSecurityGroup: network.securityGroups.loadBalancer,
    appSecurityGroup: network.securityGroups.app,
    stackPrefix: prefix,
    domain,
    albCertificateArn: recovery.albCertificateArn,
    settings,
    originVerifyRotation: parameters.originVerifyRotation,
    deletionProtection: parameters.deletionProtection,
    shopClientSecretName: shopClientSecretName(prefix),
    primary: {
      region: parameters.region,
      loadBalancer: primary.app.loadBalancer.alb,
      originVerifySecret: primary.app.originVerify.secret,
      sessionSecret: secretConstruct(primary.app, 'SessionSecret'),
      paymentSecret: paymentProvider.secret,
      cacheAuthSecret: cache.authSecret,
      orderEvents: primary.app.orderEvents,
    },
    data,
    storage,
  });
  // api.<domain> (Edge) aliases the regions' failover pair, which must exist first.
  primary.edge.addStackDependency(appStack);
  return { recoveryNetwork: network, recoveryStorage: storage, recoveryData: data, recoveryApp: appStack };
}

/**
 * What the primary region's stacks add to feed the recovery region: replicas of their secrets, the
 * cache made a Global Datastore's primary, the backup copy rule, EFS and S3 replication into the
 * copies (named, so App and Edge need the storage stack first), and the primary's entry-point alarm.
 */
function feedFromPrimary(primary: PrimaryRegionStacks, storage: RecoveryStorageStack, prefix: string, region: string): GlobalDatastore {
  const { database, cache, paymentProvider, backups, media } = primary.data;
  for (const secret of [
    secretConstruct(database, 'AppSecret'),
    secretConstruct(database, 'MigratorSecret'),
    secretConstruct(database.instance, 'Secret'),
    paymentProvider.secret,
    cache.authSecret,
  ]) {
    replicateSecret(secret, region);
  }
  const globalDatastore = new GlobalDatastore(primary.data, 'GlobalDatastore', { cache, stackPrefix: prefix });
  new BackupCopyRule(primary.data, 'BackupCopy', { plan: backups.plan, stackPrefix: prefix, recoveryRegion: region });
  replicateFileSystem(media.fileSystem, { fileSystemId: storage.mediaFileSystem.media.fileSystem.fileSystemId, region });
  replicateSecret(secretConstruct(primary.app, 'SessionSecret'), region);
  replicateSecret(primary.app.originVerify.secret, region);
  const copyName = (content: 'spa' | 'site' | 'media') => replicaBucketName(prefix, content, region);
  new CrossRegionReplication(primary.app, 'BackupSiteReplication', { source: primary.app.backupSite.bucket, destinationBucketName: copyName('site') });
  new CrossRegionReplication(primary.app, 'MediaReplication', { source: primary.app.mediaPipeline.bucket, destinationBucketName: copyName('media') });
  new CrossRegionReplication(primary.edge, 'SpaReplication', { source: primary.edge.spa.bucket, destinationBucketName: copyName('spa') });
  primary.app.addStackDependency(storage);
  primary.edge.addStackDependency(storage);
  new EntryPointAlarm(primary.app, 'EntryPoint', { targetGroup: primary.app.loadBalancer.targetGroup, alarmName: entryPointAlarmName(prefix) });
  return globalDatastore;
}

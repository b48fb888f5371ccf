import { Validations, type Stack } from 'aws-cdk-lib';
import { resolvePath, shopMediaAccessAcknowledgements } from './nag-acknowledgements.js';

/**
 * Which stack a recovery-region acknowledgement belongs to: the recovery region's own, or a primary
 * region stack that the recovery region adds to (recovery.ts).
 */
export type RecoveryStackRole = 'data' | 'app' | 'edge' | 'recoveryNetwork' | 'recoveryStorage' | 'recoveryData' | 'recoveryApp';

/** A cdk-nag finding accepted on purpose, as in nag-acknowledgements.ts. */
export interface RecoveryNagAcknowledgement {
  readonly stack: RecoveryStackRole;
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

export interface RecoveryAcknowledgementConfig {
  readonly stackPrefix: string;
  readonly recoveryRegion: string;
}

/** The replication role of one bucket (CrossRegionReplication): its two object wildcards. */
const replicationRole = (stack: RecoveryStackRole, construct: string, sourceBucket: string, copyBucket: string): RecoveryNagAcknowledgement[] => [
  {
    stack,
    path: `${construct}/Role/DefaultPolicy`,
    id: `AwsSolutions-IAM5[Resource::<${sourceBucket}.Arn>/*]`,
    reason:
      'S3 replication reads whichever object version was written, so its role reads the versions, ACLs and tags of every object of this one bucket (S3 User Guide, "Setting up permissions for live replication"); nothing else',
  },
  {
    stack,
    path: `${construct}/Role/DefaultPolicy`,
    id: `AwsSolutions-IAM5[Resource::arn:aws:s3:::${copyBucket}/*]`,
    reason:
      'S3 replication writes each replicated object, delete marker and tag set under its own key, so its role may replicate into any key of the one copy bucket in the recovery region, and do nothing else there',
  },
];

/** Every acknowledgement the recovery region brings. The cdk-nag test lists the same ids, so a new one shows in review. */
export function recoveryNagAcknowledgementsFor(config: RecoveryAcknowledgementConfig): RecoveryNagAcknowledgement[] {
  const region = config.recoveryRegion;
  // The copies' names as cdk-nag prints them (replicaBucketName, the account id as a reference).
  const copy = (content: string) => `${config.stackPrefix.toLowerCase()}-${content}-<AWS::AccountId>-${region}`;
  const inherited = 'The recovery region’s cache is a Global Datastore secondary, which takes this setting from the datastore’s primary (the primary region’s cache';
  return [
    ...replicationRole('app', 'BackupSiteReplication', 'BackupSiteBucket752B1EAE', copy('site')),
    ...replicationRole('app', 'MediaReplication', 'MediaPipelineBucketD24FE6FD', copy('media')),
    ...replicationRole('edge', 'SpaReplication', 'SpaBucket49E09520', copy('spa')),
    {
      stack: 'recoveryNetwork',
      path: 'SecurityGroups/LoadBalancer',
      id: 'AwsSolutions-EC23',
      reason:
        'As in the primary region: the regions’ failover pair behind api.<domain> aliases this ALB, which shoppers on the bare domain and CloudFront reach on 443/80; it only redirects the apex to www and forwards to the shop only requests carrying CloudFront’s secret origin header',
    },
    {
      stack: 'recoveryData',
      path: 'Database/Replica/MonitoringRole',
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
      reason: 'Enhanced Monitoring requires this AWS managed service-role policy (RDS User Guide, "Setting up Enhanced Monitoring")',
    },
    {
      stack: 'recoveryData',
      path: 'Database/Replica',
      id: 'AwsSolutions-RDS11',
      reason: 'The replica listens on the primary’s non-default port (5433); the rule cannot see the engine of a replica',
    },
    { stack: 'recoveryData', path: 'Cache/ReplicationGroup', id: 'AwsSolutions-AEC4', reason: `${inherited}: Multi-AZ with automatic failover)` },
    { stack: 'recoveryData', path: 'Cache/ReplicationGroup', id: 'AwsSolutions-AEC5', reason: `${inherited}: port 6380, not the default)` },
    {
      stack: 'recoveryData',
      path: 'Cache/ReplicationGroup',
      id: 'AwsSolutions-AEC6',
      reason: `${inherited}: its AUTH token, which the instances read from the token secret’s replica)`,
    },
    {
      stack: 'recoveryApp',
      path: 'Fleet/InstanceRole',
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'SSM Session Manager replaces SSH; this is the policy AWS documents for the SSM agent',
    },
    {
      stack: 'recoveryApp',
      path: 'Fleet/InstanceRole',
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]',
      reason: 'The policy AWS documents for the CloudWatch agent (logs and memory/disk metrics)',
    },
    {
      stack: 'recoveryApp',
      path: 'Fleet/InstanceRole/DefaultPolicy',
      id: `AwsSolutions-IAM5[Resource::arn:aws:s3:::${copy('site')}/*]`,
      reason: 'Once promoted, `aws s3 sync --delete` of the exported backup site writes and deletes any object in the site’s copy, this region’s backup-site bucket',
    },
    {
      stack: 'recoveryApp',
      path: 'Fleet/InstanceRole/DefaultPolicy',
      id: `AwsSolutions-IAM5[Resource::arn:aws:autoscaling:${region}:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/<AWS::StackName>-shop]`,
      reason: 'An Auto Scaling group ARN contains a UUID known only after creation; the statement is still limited to this one group’s name',
    },
    ...shopMediaAccessAcknowledgements('recoveryApp' as const, 'Fleet/InstanceRole/DefaultPolicy', `arn:aws:s3:::${copy('media')}`),
    {
      stack: 'recoveryApp',
      path: 'Fleet/Group',
      id: '@aws-cdk/aws-autoscaling:signalsNotUsedByInstanceRefresh',
      reason: 'The standby group has no creation policy at all (it is created with no instance); readiness comes from the launch lifecycle hook, as in the primary region',
    },
    {
      stack: 'recoveryApp',
      path: 'ShopImage/BuildRole',
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason:
        'Image Builder drives its build and test instances through the SSM agent; this is the policy it documents for them (EC2 Image Builder User Guide, "Setting up IAM roles")',
    },
    {
      stack: 'recoveryApp',
      path: 'ShopImage/BuildRole/DefaultPolicy',
      id: `AwsSolutions-IAM5[Resource::arn:aws:imagebuilder:${region}:<AWS::AccountId>:component/<AWS::StackName>-shop-packages/*]`,
      reason:
        'A component ARN ends in its version and build number, known only once Image Builder creates it; limited to this stack’s one component name and to imagebuilder:GetComponent',
    },
    {
      stack: 'recoveryApp',
      path: 'ShopImage/BuildRole/DefaultPolicy',
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::ec2imagebuilder*]',
      reason: 'The build instance downloads AWSTOE from Image Builder’s own regional buckets (ec2imagebuilder-*), as EC2InstanceProfileForImageBuilder allows; s3:GetObject only',
    },
    {
      stack: 'recoveryApp',
      path: 'ShopImage/BuildRole/DefaultPolicy',
      id: `AwsSolutions-IAM5[Resource::arn:aws:logs:${region}:<AWS::AccountId>:log-group:/aws/imagebuilder/<AWS::StackName>-shop-recipe:*]`,
      reason: 'Image Builder logs a build into /aws/imagebuilder/<recipe name> with one stream per version and build, known only at build time; limited to this recipe’s log group',
    },
  ];
}

/** Applies the recovery region's acknowledgements, and returns them. */
export function acknowledgeRecoveryNagFindings(stacks: Record<RecoveryStackRole, Stack>, config: RecoveryAcknowledgementConfig): RecoveryNagAcknowledgement[] {
  const applied = recoveryNagAcknowledgementsFor(config);
  for (const ack of applied) Validations.of(resolvePath(stacks[ack.stack], ack.path)).acknowledge({ id: ack.id, reason: ack.reason });
  return applied;
}

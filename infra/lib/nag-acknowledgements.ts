import { Validations, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Which stack of the app an acknowledgement belongs to. */
export type StackRole = 'network' | 'data' | 'app' | 'edge' | 'observability' | 'failover';

/**
 * A cdk-nag finding we accept on purpose. `path` is the construct path inside the stack; a
 * trailing `*` matches by prefix (for CDK singletons whose id carries a hash).
 */
export interface NagAcknowledgement {
  readonly stack: StackRole;
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

const bucketDeployment = 'Custom::CDKBucketDeployment*';
const bucketDeploymentReason = 'CDK BucketDeployment custom resource (copies storefront/dist into the SPA bucket at deploy time); its role and runtime are managed by aws-cdk-lib';

/** Acknowledgements for every configuration. The cdk-nag test lists the same ids, so a new one shows in review. */
const commonAcknowledgements = (region: string): NagAcknowledgement[] => [
  {
    stack: 'network',
    path: 'SecurityGroups/LoadBalancer',
    id: 'AwsSolutions-EC23',
    reason: 'The internet-facing ALB must accept 443 (and 80, which only redirects or is gated by the CloudFront origin header) from anywhere',
  },
  {
    stack: 'data',
    path: 'Database/Instance/MonitoringRole',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    reason: 'Enhanced Monitoring requires this AWS managed service-role policy (RDS User Guide, "Setting up Enhanced Monitoring")',
  },
  {
    stack: 'data',
    path: 'Backups/Plan/DatabaseAndMedia/Role',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
    reason: 'AWS Backup’s documented service-role policy for creating recovery points',
  },
  {
    stack: 'app',
    path: 'SessionSecret',
    id: 'AwsSolutions-SMG4',
    reason: 'Rotating the cookie-signing key logs every shopper out; it is rotated by hand in a quiet hour (infra/README.md)',
  },
  {
    stack: 'app',
    path: 'Fleet/InstanceRole',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
    reason: 'SSM Session Manager replaces SSH; this is the policy AWS documents for the SSM agent',
  },
  {
    stack: 'app',
    path: 'Fleet/InstanceRole',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]',
    reason: 'The policy AWS documents for the CloudWatch agent (logs and memory/disk metrics)',
  },
  {
    stack: 'app',
    path: 'Fleet/InstanceRole/DefaultPolicy',
    id: 'AwsSolutions-IAM5[Resource::<BackupSiteBucket752B1EAE.Arn>/*]',
    reason: '`aws s3 sync --delete` of the exported backup site writes and deletes any object in that one bucket',
  },
  {
    stack: 'app',
    path: 'Fleet/InstanceRole/DefaultPolicy',
    id: `AwsSolutions-IAM5[Resource::arn:aws:autoscaling:${region}:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/<AWS::StackName>-shop]`,
    reason: 'An Auto Scaling group ARN contains a UUID known only after creation; the statement is still limited to this one group’s name',
  },
  {
    stack: 'edge',
    path: 'Spa/Distribution',
    id: 'AwsSolutions-CFR1',
    reason: 'The shop sells to anyone CloudFront reaches; no country is excluded',
  },
  {
    stack: 'edge',
    path: 'Spa/Distribution',
    id: 'AwsSolutions-CFR2',
    reason: 'A CloudFront WAF web ACL must live in us-east-1; it is a documented add-on (infra/README.md), not part of the base cost',
  },
  ...['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'AwsSolutions-L1'].map((id) => ({
    stack: 'edge' as const,
    path: bucketDeployment,
    id,
    reason: bucketDeploymentReason,
  })),
  ...[
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    `Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${region}/*`,
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    'Resource::<SpaBucket49E09520.Arn>/*',
    'Resource::*',
  ].map((finding) => ({ stack: 'edge' as const, path: `${bucketDeployment}/ServiceRole/DefaultPolicy`, id: `AwsSolutions-IAM5[${finding}]`, reason: bucketDeploymentReason })),
];

/** Only in the production profile, which has a read replica. */
const readReplicaAcknowledgements: readonly NagAcknowledgement[] = [
  {
    stack: 'data',
    path: 'Database/ReadReplica/MonitoringRole',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    reason: 'Enhanced Monitoring requires this AWS managed service-role policy (RDS User Guide, "Setting up Enhanced Monitoring")',
  },
  {
    stack: 'data',
    path: 'Database/ReadReplica',
    id: 'AwsSolutions-RDS2',
    reason: 'A read replica inherits encryption from its encrypted source; CloudFormation rejects StorageEncrypted next to SourceDBInstanceIdentifier',
  },
  {
    stack: 'data',
    path: 'Database/ReadReplica',
    id: 'AwsSolutions-RDS3',
    reason: 'The read replica only serves catalog reads and is never a failover target; the writer is Multi-AZ',
  },
  {
    stack: 'data',
    path: 'Database/ReadReplica',
    id: 'AwsSolutions-RDS11',
    reason: 'The replica listens on the same non-default port (5433) as the writer; the rule cannot see the engine of a replica',
  },
];

/** Only without a domain: CloudFront's default certificate and the HTTP-only ALB origin. */
const noDomainAcknowledgements: readonly NagAcknowledgement[] = [
  {
    stack: 'edge',
    path: 'Spa/Distribution',
    id: 'AwsSolutions-CFR4',
    reason: 'Without a domain CloudFront serves its default *.cloudfront.net certificate, whose viewer policy CloudFront fixes',
  },
  {
    stack: 'edge',
    path: 'Spa/Distribution',
    id: 'AwsSolutions-CFR5',
    reason: 'Without a domain there is no certificate for the ALB, so CloudFront reaches it over HTTP, gated by a secret origin header',
  },
  {
    stack: 'edge',
    path: 'Spa/Distribution',
    id: '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
    reason: 'The backup bucket’s own policy (BackupSite) already lets CloudFront read it; importing it here avoids a dependency cycle between the app and edge stacks',
  },
];

/** Only with a domain: the backup site is an S3 website, which speaks HTTP only. */
const domainAcknowledgements: readonly NagAcknowledgement[] = [
  {
    stack: 'edge',
    path: 'Spa/Distribution',
    id: 'AwsSolutions-CFR5',
    reason: 'The /media/* failover origin is the S3 website endpoint of the backup site, which only speaks HTTP',
  },
  {
    stack: 'app',
    path: 'BackupSite/Bucket',
    id: 'AwsSolutions-S10',
    reason: 'Route 53 failover serves this bucket through its S3 website endpoint, which only speaks HTTP; it holds the public static catalog only',
  },
  {
    stack: 'app',
    path: 'BackupSite/Bucket',
    id: 'AwsSolutions-S2',
    reason: 'An S3 website endpoint serves only publicly readable objects; the bucket holds the public static catalog only and ACLs stay blocked',
  },
  {
    stack: 'app',
    path: 'BackupSite/Bucket',
    id: 'AwsSolutions-S5',
    reason:
      'Route 53 failover aliases the S3 website endpoint, which cannot use OAC; CloudFront is not in that path on purpose (it must survive a CloudFront or origin misconfiguration)',
  },
];

/** CDK warnings we accept, with their reasons. */
const annotationAcknowledgements: readonly NagAcknowledgement[] = [
  {
    stack: 'app',
    path: 'Fleet/Group',
    id: '@aws-cdk/aws-autoscaling:signalsNotUsedByInstanceRefresh',
    reason: 'cfn-signal gates stack creation only; during an instance refresh readiness comes from the launch lifecycle hook, which the bootstrap completes once /healthz answers',
  },
];

export interface AcknowledgementConfig {
  readonly region: string;
  readonly withDomain: boolean;
  readonly readReplica: boolean;
}

/** Every acknowledgement that belongs to one configuration. */
export function nagAcknowledgementsFor(config: AcknowledgementConfig): NagAcknowledgement[] {
  return [
    ...commonAcknowledgements(config.region),
    ...(config.readReplica ? readReplicaAcknowledgements : []),
    ...(config.withDomain ? domainAcknowledgements : noDomainAcknowledgements),
    ...annotationAcknowledgements,
  ];
}

/** Applies the acknowledgements that belong to this configuration, and returns them. */
export function acknowledgeNagFindings(stacks: Partial<Record<StackRole, Stack>>, config: AcknowledgementConfig): NagAcknowledgement[] {
  const applied = nagAcknowledgementsFor(config);
  for (const ack of applied) {
    const stack = stacks[ack.stack];
    if (stack) Validations.of(resolvePath(stack, ack.path)).acknowledge({ id: ack.id, reason: ack.reason });
  }
  return applied;
}

/** Resolves `a/b/c`, where a segment ending in `*` matches a child id by prefix. */
function resolvePath(stack: Stack, path: string): IConstruct {
  let scope: IConstruct = stack;
  for (const segment of path.split('/')) {
    const child: IConstruct | undefined = segment.endsWith('*') ? scope.node.children.find((c) => c.node.id.startsWith(segment.slice(0, -1))) : scope.node.tryFindChild(segment);
    if (!child) throw new Error(`cdk-nag acknowledgement: no construct ${segment} under ${scope.node.path}`);
    scope = child;
  }
  return scope;
}

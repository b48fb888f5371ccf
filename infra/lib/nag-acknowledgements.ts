import { Validations, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { MEDIA_KEY_GLOB } from '@evermall/shop/release';

/** Which stack of the app an acknowledgement belongs to. */
export type StackRole = 'network' | 'data' | 'app' | 'edgeFirewall' | 'edge' | 'observability' | 'failover' | 'identity';

/**
 * A cdk-nag finding we accept on purpose. `path` is the construct path inside the stack; a
 * trailing `*` matches by prefix (for CDK singletons whose id carries a hash), a leading one by suffix.
 */
export interface NagAcknowledgement {
  readonly stack: StackRole;
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

const bucketDeployment = 'Custom::CDKBucketDeployment*';
const bucketDeploymentReason = 'CDK BucketDeployment custom resource (copies storefront/dist into the SPA bucket at deploy time); its role and runtime are managed by aws-cdk-lib';
const maintenancePageReason =
  'CDK BucketDeployment custom resource (seeds the maintenance page into the backup-site bucket at deploy time); its role and runtime are managed by aws-cdk-lib';
/** The findings on a CDK BucketDeployment's singleton function, its role and its policy. */
const bucketDeploymentFindings = (stack: StackRole, region: string, destinationBucket: string, reason: string): NagAcknowledgement[] => [
  ...['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'AwsSolutions-L1'].map((id) => ({
    stack,
    path: bucketDeployment,
    id,
    reason,
  })),
  ...[
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    `Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${region}/*`,
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    `Resource::<${destinationBucket}.Arn>/*`,
  ].map((finding) => ({ stack, path: `${bucketDeployment}/ServiceRole/DefaultPolicy`, id: `AwsSolutions-IAM5[${finding}]`, reason })),
];

/** Acknowledgements for every configuration. The cdk-nag test lists the same ids, so a new one shows in review. */
const commonAcknowledgements = (region: string): NagAcknowledgement[] => [
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
    path: 'OriginVerify/Secret',
    id: 'AwsSolutions-SMG4',
    reason:
      'CloudFront and the ALB read it through dynamic references resolved only at deploy, so a rotation Lambda would change nothing they use; it is rotated by the documented put-secret-value and two deploys (infra/README.md)',
  },
  {
    stack: 'edge',
    path: 'Spa/Distribution',
    id: '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
    reason: 'The backup bucket’s own policy (BackupSite) already lets CloudFront read it; importing it here avoids a dependency cycle between the app and edge stacks',
  },
  {
    stack: 'edge',
    path: 'Spa/Distribution',
    id: 'AwsSolutions-CFR1',
    reason: 'The shop sells to anyone CloudFront reaches; no country is excluded',
  },
  ...bucketDeploymentFindings('edge', region, 'SpaBucket49E09520', bucketDeploymentReason),
  // The deployment also invalidates /index.html on the distribution; CloudFront invalidation has no resource-level permissions.
  { stack: 'edge', path: `${bucketDeployment}/ServiceRole/DefaultPolicy`, id: 'AwsSolutions-IAM5[Resource::*]', reason: bucketDeploymentReason },
];

/** The media bucket's ARN as cdk-nag prints it in the App stack. */
const mediaBucketArn = '<MediaPipelineBucketD24FE6FD.Arn>';

/**
 * The shop's access to its media bucket (shop-media-access.ts) in one role's policy: two object
 * wildcards, on the EC2 fleet's role, the shop pods' role, and the recovery fleet's (on the copy).
 * `bucketArn` as cdk-nag prints it.
 */
export const shopMediaAccessAcknowledgements = <Role extends string>(stack: Role, path: string, bucketArn: string) => [
  {
    stack,
    path,
    id: `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
    reason:
      's3:GetObject and s3:DeleteObject in the media bucket only: the shop serves whichever original or variant a page names, under random keys (shop/src/media/media-keys.ts), and removes an upload with its variants when its product went meanwhile; the bucket is versioned and no version may be deleted',
  },
  {
    stack,
    path,
    id: `AwsSolutions-IAM5[Resource::${bucketArn}/${MEDIA_KEY_GLOB}]`,
    reason:
      's3:PutObject on keys shaped as an original’s only (32 characters, then an extension): the shop names each upload at random, and no key under variants/, which the resize function alone writes, matches',
  },
];

/** The EC2 fleet's instance role (app-fleet.ts); absent with compute=eks. */
const fleetAcknowledgements = (region: string): NagAcknowledgement[] => [
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
  ...shopMediaAccessAcknowledgements('app' as const, 'Fleet/InstanceRole/DefaultPolicy', mediaBucketArn),
];

/**
 * The AWS FIS experiment roles (fault-injection.ts). Each wildcard is one the action cannot do
 * without; every write is narrowed by a condition or to named resources.
 */
const faultInjectionAcknowledgements = (region: string): NagAcknowledgement[] => {
  const role = (name: string) => `FaultInjection/${name}-role/DefaultPolicy`;
  const describeReason =
    'Describe and list calls (ec2:DescribeInstances, DescribeSubnets, DescribeVpcs, DescribeNetworkAcls, DescribeManagedPrefixLists, GetManagedPrefixListEntries; rds:DescribeDBInstances; ssm:ListCommands, CancelCommand) have no resource-level permissions; FIS needs them to resolve targets and to follow or stop its actions';
  const instancesReason =
    'Instance ids are only known when the experiment resolves its targets; the statement is limited by the condition aws:ResourceTag/aws:autoscaling:groupName = the shop group, so no other instance can be stopped, terminated or sent a command';
  return [
    ...['instance-termination', 'az-power-interruption', 'rds-failover', 'cpu-stress'].map((name) => ({
      stack: 'observability' as const,
      path: role(name),
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: describeReason,
    })),
    ...['instance-termination', 'az-power-interruption', 'cpu-stress'].map((name) => ({
      stack: 'observability' as const,
      path: role(name),
      id: `AwsSolutions-IAM5[Resource::arn:aws:ec2:${region}:<AWS::AccountId>:instance/*]`,
      reason: instancesReason,
    })),
    {
      stack: 'observability',
      path: role('az-power-interruption'),
      id: `AwsSolutions-IAM5[Resource::arn:aws:kms:${region}:<AWS::AccountId>:key/*]`,
      reason:
        'Restarting the stopped instances needs kms:CreateGrant on their EBS key (AWS FIS User Guide, aws:ec2:stop-instances); limited to grants for AWS resources made through EC2 in this region (kms:GrantIsForAWSResource, kms:ViaService)',
    },
    {
      stack: 'observability',
      path: role('az-power-interruption'),
      id: `AwsSolutions-IAM5[Resource::arn:aws:ec2:${region}:<AWS::AccountId>:network-acl/*]`,
      reason:
        'aws:network:disrupt-connectivity creates its own network ACL, whose id is unknown beforehand: creating and tagging it requires the request tag managedByFIS=true, editing and deleting it the resource tag, and re-associating it is limited to the one zone’s subnets',
    },
  ];
};

/** The DatabaseRoles custom resource (database-roles.ts): its function in the VPC and CDK's provider framework. */
const databaseRolesAcknowledgements: readonly NagAcknowledgement[] = [
  ...['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole'].map((policy) => ({
    stack: 'data' as const,
    path: 'DatabaseRoles/Function/ServiceRole',
    id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
    reason:
      'The execution-role policies AWS documents for a function in a VPC (Lambda Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC"): its network interfaces, whose EC2 actions have no resource-level permissions, and its own logs; its one other permission is reading the three database secrets',
  })),
  {
    stack: 'data',
    path: 'DatabaseRoles/Provider/framework-onEvent/ServiceRole',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'CDK provider framework (aws-cdk-lib custom-resources): its function only relays CloudFormation events to the DatabaseRoles function and writes its own logs',
  },
  {
    stack: 'data',
    path: 'DatabaseRoles/Provider/framework-onEvent/ServiceRole/DefaultPolicy',
    id: 'AwsSolutions-IAM5[Resource::<DatabaseRolesFunctionB120C4B0.Arn>:*]',
    reason: 'CDK provider framework: lambda:InvokeFunction on the one DatabaseRoles function, `:*` being that function’s versions and aliases',
  },
  {
    stack: 'data',
    path: 'Cache/AuthToken',
    id: 'AwsSolutions-SMG4',
    reason:
      'ElastiCache takes a new AUTH token only through ModifyReplicationGroup (ROTATE, then SET once every client has it), so a rotation function changing the secret alone would lock the shop out; a rotation is the documented put-secret-value, ROTATE, instance refresh and SET (infra/README.md, "Cache tier")',
  },
  {
    stack: 'data',
    path: 'PaymentProvider/TossSecret',
    id: 'AwsSolutions-SMG4',
    reason:
      'Toss Payments issues these API keys in its own console; nothing here can generate or change them, so a rotation function has nothing to do. The operator puts new keys with put-secret-value (infra/README.md)',
  },
];

/** Sign-in (user-pool.ts): the Cognito user pool, its staff-MFA trigger and the shop client's secret. */
const signInAcknowledgements: readonly NagAcknowledgement[] = [
  {
    stack: 'identity',
    path: 'UserPool/Pool',
    id: 'AwsSolutions-COG1',
    reason:
      'The shop’s own password rule: at least 8 characters and no composition rules, as NIST SP 800-63B §5.1.1.2 asks; the shop refuses common and guessable passwords (zxcvbn) and Plus threat protection refuses compromised ones, which composition rules would not',
  },
  {
    stack: 'identity',
    path: 'UserPool/Pool',
    id: 'AwsSolutions-COG2',
    reason:
      'MFA is optional for shoppers (issue 13) and required for the staff group, which Cognito cannot express per group: the pre token generation trigger refuses tokens to staff without an authenticator app; adaptive authentication asks risky shopper sign-ins for a second factor',
  },
  {
    stack: 'identity',
    path: 'UserPool/StaffMfa/ServiceRole',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'The execution-role policy AWS documents for a function’s own logs (Lambda Developer Guide, "Lambda execution role"); the trigger’s one other permission is cognito-idp:AdminGetUser on this user pool',
  },
  {
    stack: 'identity',
    path: 'UserPool/ShopClientSecret',
    id: 'AwsSolutions-SMG4',
    reason:
      'It holds the app client’s secret, which Cognito issues and CloudFormation copies in (Fn::GetAtt ClientSecret); a rotation function cannot change it, a new app client does, and the next deploy rewrites the secret (infra/README.md, "Sign-in")',
  },
];

/** The shop image's build instance role (shop-image.ts); absent when parameter shopImageId names an AMI. */
const shopImageAcknowledgements = (region: string): NagAcknowledgement[] => [
  {
    stack: 'app',
    path: 'ShopImage/BuildRole',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
    reason:
      'Image Builder drives its build and test instances through the SSM agent; this is the policy it documents for them (EC2 Image Builder User Guide, "Setting up IAM roles")',
  },
  {
    stack: 'app',
    path: 'ShopImage/BuildRole/DefaultPolicy',
    id: `AwsSolutions-IAM5[Resource::arn:aws:imagebuilder:${region}:<AWS::AccountId>:component/<AWS::StackName>-shop-packages/*]`,
    reason:
      'A component ARN ends in its version and build number, known only once Image Builder creates it; the statement is limited to this stack’s one component name and to imagebuilder:GetComponent',
  },
  {
    stack: 'app',
    path: 'ShopImage/BuildRole/DefaultPolicy',
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::ec2imagebuilder*]',
    reason:
      'The build instance downloads AWSTOE, the agent that runs components, from Image Builder’s own regional buckets (ec2imagebuilder-*), as EC2InstanceProfileForImageBuilder allows; s3:GetObject only',
  },
  {
    stack: 'app',
    path: 'ShopImage/BuildRole/DefaultPolicy',
    id: `AwsSolutions-IAM5[Resource::arn:aws:logs:${region}:<AWS::AccountId>:log-group:/aws/imagebuilder/<AWS::StackName>-shop-recipe:*]`,
    reason: 'Image Builder logs a build into /aws/imagebuilder/<recipe name> with one stream per version and build, known only at build time; limited to this recipe’s log group',
  },
];

/** Active X-Ray tracing adds these to a function's role; X-Ray has no resource-level permissions for them. */
const tracingReason =
  'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (Service Authorization Reference, AWS X-Ray), so the resource is *';

/**
 * The order events' consumer functions (order-events.ts), one set per function deployed: the
 * notifier is absent when no mail sender is configured.
 */
const eventConsumerAcknowledgements = (names: readonly string[]): NagAcknowledgement[] =>
  names.flatMap((name) => [
    ...['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole'].map((policy) => ({
      stack: 'app' as const,
      path: `OrderEvents/${name}-function/ServiceRole`,
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
      reason:
        'The execution-role policies AWS documents for a function in a VPC (Lambda Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC"): its network interfaces, whose EC2 actions have no resource-level permissions, and its own logs; everything else it may do is named (its queue, its login, its mail identity)',
    })),
    { stack: 'app' as const, path: `OrderEvents/${name}-function/ServiceRole/DefaultPolicy`, id: 'AwsSolutions-IAM5[Resource::*]', reason: tracingReason },
  ]);

/** The media bucket's resize function and its trigger (media-pipeline.ts); in every configuration. */
const mediaPipelineAcknowledgements: readonly NagAcknowledgement[] = [
  {
    stack: 'app',
    path: 'MediaPipeline/Resize/ServiceRole',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The execution-role policy AWS documents for a function’s own logs (Lambda Developer Guide, "Lambda execution role"); its S3 and SQS permissions are named',
  },
  { stack: 'app', path: 'MediaPipeline/Resize/ServiceRole/DefaultPolicy', id: 'AwsSolutions-IAM5[Resource::*]', reason: tracingReason },
  {
    stack: 'app',
    path: 'MediaPipeline/Resize/ServiceRole/DefaultPolicy',
    id: 'AwsSolutions-IAM5[Resource::<MediaPipelineBucketD24FE6FD.Arn>/*]',
    reason: 's3:GetObject only, in the media bucket only: the function reads whichever original an ObjectCreated event names, and the shop names originals at random',
  },
  {
    stack: 'app',
    path: 'MediaPipeline/Resize/ServiceRole/DefaultPolicy',
    id: 'AwsSolutions-IAM5[Resource::<MediaPipelineBucketD24FE6FD.Arn>/variants/*]',
    reason: 's3:PutObject only, under the variants prefix only: the variant keys derive from the original’s (variants/<key>/<width>.<format>)',
  },
  {
    stack: 'app',
    path: 'MediaPipeline/ResizeFailures',
    id: 'AwsSolutions-SQS3',
    reason:
      'It is the resize function’s on-failure destination, the end of the line as a dead-letter queue is: nothing reads it but an operator, and an alarm fires on its first message',
  },
  {
    stack: 'app',
    path: 'BucketNotificationsHandler*/Role',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'aws-cdk-lib’s bucket-notifications custom resource: its function only puts the media bucket’s notification configuration at deploy time and writes its own logs',
  },
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
    reason:
      'Accepted risk, not a redundancy: the single-AZ replica serves every catalog read and the shop does not fall back to the writer, so losing its AZ stops catalog reads until RDS recovers it or DATABASE_READ_URL points at the writer (infra/README.md, known gaps)',
  },
  {
    stack: 'data',
    path: 'Database/ReadReplica',
    id: 'AwsSolutions-RDS11',
    reason: 'The replica listens on the same non-default port (5433) as the writer; the rule cannot see the engine of a replica',
  },
];

/** Only without a domain: CloudFront's default certificate. */
const noDomainAcknowledgements: readonly NagAcknowledgement[] = [
  {
    stack: 'edge',
    path: 'Spa/Distribution',
    id: 'AwsSolutions-CFR4',
    reason: 'Without a domain CloudFront serves its default *.cloudfront.net certificate, whose viewer policy CloudFront fixes',
  },
];

/** Only with a domain: the apex reaches the ALB, and the backup site is an S3 website, which speaks HTTP only. */
const domainAcknowledgements = (region: string): NagAcknowledgement[] => [
  {
    stack: 'network',
    path: 'SecurityGroups/LoadBalancer',
    id: 'AwsSolutions-EC23',
    reason:
      'The apex’s Route 53 failover pair aliases the ALB, so shoppers on the bare domain reach it on 443/80; it only redirects them to www, and forwards to the shop only requests carrying CloudFront’s secret origin header',
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
      'Route 53 failover aliases this bucket’s S3 website endpoint, which serves only publicly readable objects (the public static catalog); CloudFront’s /media/* failover reads it through OAC over HTTPS',
  },
  ...bucketDeploymentFindings('app', region, 'BackupSiteBucket752B1EAE', maintenancePageReason),
];

/** Only in a first deploy (parameter deletionProtection=false): protection comes with the deploy after it. */
const firstDeployAcknowledgements = (readReplica: boolean): NagAcknowledgement[] =>
  (readReplica ? ['Database/Instance', 'Database/ReadReplica'] : ['Database/Instance']).map((path) => ({
    stack: 'data',
    path,
    id: 'AwsSolutions-RDS10',
    reason:
      'A first deploy only, on an empty database: deletion protection would block the rollback of a failed first deploy; the deploy workflow turns it on with the next deploy once the smoke check passed (infra/README.md, "A first deploy that can be retried")',
  }));

/** CDK warnings we accept on the EC2 fleet, with their reasons. */
const fleetAnnotationAcknowledgements: readonly NagAcknowledgement[] = [
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
  /** False only for a first deploy (parameter deletionProtection). */
  readonly deletionProtection: boolean;
  /** The App stack bakes the shop image (no parameter shopImageId, compute=ec2). */
  readonly bakesImage: boolean;
  /** Where the shop runs (parameter compute); ec2 when not given. */
  readonly compute?: 'ec2' | 'eks';
  /** The order event consumers deployed as functions (OrderEvents.consumers with a function). */
  readonly eventConsumerFunctions?: readonly string[];
}

/** The shop's EKS cluster (shop-cluster.ts, shop-release.ts) and its image repository (shop-registry.ts); only with compute=eks. */
const eksAcknowledgements = (region: string): NagAcknowledgement[] => {
  const clusterProvider = '@aws-cdk--aws-eks.ClusterResourceProvider';
  const kubectlProvider = '@aws-cdk--aws-eks.KubectlProvider';
  const providerReason =
    'aws-cdk-lib’s EKS cluster provider (custom resource framework): its functions only relay CloudFormation events to the cluster handlers, which call the EKS API, and write their own logs; `:*` is the handlers’ versions and aliases';
  const kubectlReason =
    'aws-cdk-lib’s kubectl/helm provider: its function runs helm and kubectl against this cluster from inside the VPC (the API endpoint is private), reads the chart assets from the CDK asset bucket and writes its own logs';
  const basicExecution = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';
  const vpcExecution = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]';
  const controllerReason =
    'The AWS Load Balancer Controller’s own IAM policy for this release, as aws-cdk-lib ships it (the controller’s docs/install/iam_policy.json): load balancers, target groups, listeners and security groups it manages are created at run time with names it picks, so their ARNs are wildcards; every mutating statement is conditioned on the elbv2.k8s.aws/cluster tag. Here it only registers pods in the CDK-made target group (TargetGroupBinding)';
  const nodePolicies = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'];
  return [
    ...['IsCompleteHandler', 'OnEventHandler', 'Provider/framework-isComplete', 'Provider/framework-onEvent', 'Provider/framework-onTimeout'].map((fn) => ({
      stack: 'app' as const,
      path: `${clusterProvider}/${fn}/ServiceRole`,
      id: basicExecution,
      reason: providerReason,
    })),
    ...['framework-isComplete', 'framework-onEvent', 'framework-onTimeout'].flatMap((fn) =>
      ['IsCompleteHandler7073F4DA', 'OnEventHandler42BEBAE0'].map((handler) => ({
        stack: 'app' as const,
        path: `${clusterProvider}/Provider/${fn}/ServiceRole/DefaultPolicy`,
        id: `AwsSolutions-IAM5[Resource::<${handler}.Arn>:*]`,
        reason: providerReason,
      })),
    ),
    ...['ProviderframeworkisComplete26D7B0CB', 'ProviderframeworkonTimeout0B47CA38'].map((fn) => ({
      stack: 'app' as const,
      path: `${clusterProvider}/Provider/waiter-state-machine/Role/DefaultPolicy`,
      id: `AwsSolutions-IAM5[Resource::<${fn}.Arn>:*]`,
      reason: providerReason,
    })),
    {
      stack: 'app',
      path: `${clusterProvider}/Provider/waiter-state-machine`,
      id: 'AwsSolutions-SF1',
      reason: 'aws-cdk-lib’s provider framework waiter: it only polls the cluster handler until EKS reports the cluster active; CloudFormation’s events record each step',
    },
    {
      stack: 'app',
      path: `${clusterProvider}/Provider/waiter-state-machine`,
      id: 'AwsSolutions-SF2',
      reason: 'aws-cdk-lib’s provider framework waiter: a two-state poll loop with nothing to trace across services',
    },
    { stack: 'app', path: `${kubectlProvider}/Handler`, id: 'AwsSolutions-L1', reason: `${kubectlReason}; aws-cdk-lib pins its runtime to the one the kubectl layer is built for` },
    { stack: 'app', path: `${kubectlProvider}/Provider/framework-onEvent/ServiceRole`, id: basicExecution, reason: kubectlReason },
    { stack: 'app', path: `${kubectlProvider}/Provider/framework-onEvent/ServiceRole`, id: vpcExecution, reason: kubectlReason },
    {
      stack: 'app',
      path: `${kubectlProvider}/Provider/framework-onEvent/ServiceRole/DefaultPolicy`,
      id: 'AwsSolutions-IAM5[Resource::<Handler886CB40B.Arn>:*]',
      reason: kubectlReason,
    },
    ...[
      basicExecution,
      vpcExecution,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly]',
      'AwsSolutions-IAM4[Policy::{"Fn::If":["ShopClusterHasEcrPublic5908CAE4",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]',
    ].map((id) => ({ stack: 'app' as const, path: 'ShopCluster/Cluster/KubectlHandlerRole', id, reason: kubectlReason })),
    ...['Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*', `Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${region}/*`].map((finding) => ({
      stack: 'app' as const,
      path: 'ShopCluster/Cluster/KubectlHandlerRole/DefaultPolicy',
      id: `AwsSolutions-IAM5[${finding}]`,
      reason: `${kubectlReason}: read access to the CDK asset bucket, where the shop's chart is uploaded`,
    })),
    {
      stack: 'app',
      path: 'ShopCluster/Cluster/Resource/CreationRole/DefaultPolicy',
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'aws-cdk-lib’s cluster creation role: eks:CreateCluster and the describe and tagging calls that precede a cluster have no resource ARN yet (EKS Service Authorization Reference); its other statements name this cluster',
    },
    {
      stack: 'app',
      path: 'ShopCluster/Cluster/Role',
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]',
      reason: 'The policy AWS documents for an EKS cluster’s service role (EKS User Guide, "Amazon EKS cluster IAM role")',
    },
    {
      stack: 'app',
      path: 'ShopCluster/EfsCsiController',
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy]',
      reason:
        'The policy AWS documents for the EFS CSI controller (EKS User Guide, "Store an elastic file system with Amazon EFS"); access points it creates are tagged and only those it tagged can be deleted',
    },
    ...nodePolicies.map((policy) => ({
      stack: 'app' as const,
      path: 'ShopCluster/NodeRole',
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
      reason: 'The policies AWS documents for managed nodes (EKS User Guide, "Amazon EKS node IAM role"): joining the cluster, the VPC CNI’s pod addresses, image pulls',
    })),
    {
      stack: 'app',
      path: 'ShopCluster/NodeRole',
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'SSM Session Manager replaces SSH on the nodes, as on the EC2 fleet; this is the policy AWS documents for the SSM agent',
    },
    ...[
      'Resource::*',
      'Resource::arn:<AWS::Partition>:ec2:*:*:security-group/*',
      ...['loadbalancer/app/*/*', 'loadbalancer/net/*/*', 'targetgroup/*/*', 'listener-rule/app/*/*/*', 'listener-rule/net/*/*/*', 'listener/app/*/*/*', 'listener/net/*/*/*'].map(
        (resource) => `Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:${resource}`,
      ),
    ].map((finding) => ({ stack: 'app' as const, path: '*-AlbController/alb-sa/Role/DefaultPolicy', id: `AwsSolutions-IAM5[${finding}]`, reason: controllerReason })),
    {
      stack: 'app',
      path: 'ShopCluster/ClusterAutoscaler/DefaultPolicy',
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The Cluster Autoscaler’s auto-discovery policy (cluster-autoscaler/cloudprovider/aws/README.md): the Describe/Get calls have no resource type; SetDesiredCapacity and TerminateInstanceInAutoScalingGroup are limited to groups tagged with this cluster’s name',
    },
    {
      stack: 'app',
      path: 'ShopCluster/ShopPods/DefaultPolicy',
      id: 'AwsSolutions-IAM5[Resource::<BackupSiteBucket752B1EAE.Arn>/*]',
      reason: 'The pods’ sidecar runs `aws s3 sync --delete` of the exported backup site, as the EC2 instances do: any object in that one bucket',
    },
    {
      stack: 'app',
      path: 'ShopCluster/ShopPods/DefaultPolicy',
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:PutMetricData has no resource type; a condition limits it to the Evermall/Instances namespace (the BackupSiteUploaded datapoint)',
    },
    ...shopMediaAccessAcknowledgements('app' as const, 'ShopCluster/ShopPods/DefaultPolicy', mediaBucketArn),
  ];
};

/** Every acknowledgement that belongs to one configuration. */
export function nagAcknowledgementsFor(config: AcknowledgementConfig): NagAcknowledgement[] {
  return [
    ...commonAcknowledgements(config.region),
    ...(config.compute === 'eks' ? eksAcknowledgements(config.region) : [...fleetAcknowledgements(config.region), ...fleetAnnotationAcknowledgements]),
    ...faultInjectionAcknowledgements(config.region),
    ...databaseRolesAcknowledgements,
    ...signInAcknowledgements,
    ...mediaPipelineAcknowledgements,
    ...eventConsumerAcknowledgements(config.eventConsumerFunctions ?? []),
    ...(config.bakesImage ? shopImageAcknowledgements(config.region) : []),
    ...(config.readReplica ? readReplicaAcknowledgements : []),
    ...(config.withDomain ? domainAcknowledgements(config.region) : noDomainAcknowledgements),
    ...(config.deletionProtection ? [] : firstDeployAcknowledgements(config.readReplica)),
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

/**
 * Resolves `a/b/c`, where a segment ending in `*` matches a child id by prefix and one starting with
 * `*` by suffix (aws-cdk-lib names the Load Balancer Controller `<cluster's unique id>-AlbController`).
 */
export function resolvePath(stack: Stack, path: string): IConstruct {
  let scope: IConstruct = stack;
  for (const segment of path.split('/')) {
    const child: IConstruct | undefined = segment.endsWith('*')
      ? scope.node.children.find((c) => c.node.id.startsWith(segment.slice(0, -1)))
      : segment.startsWith('*')
        ? scope.node.children.find((c) => c.node.id.endsWith(segment.slice(1)))
        : scope.node.tryFindChild(segment);
    if (!child) throw new Error(`cdk-nag acknowledgement: no construct ${segment} under ${scope.node.path}`);
    scope = child;
  }
  return scope;
}

import { describe, expect, it } from 'vitest';
import { nagAcknowledgementsFor } from '../lib/nag-acknowledgements.js';

// Every acknowledged cdk-nag finding, written out here so that a new one shows up in review.
// The synthesis tests (example, variants) prove nothing else is left unacknowledged.
const everywhere = [
  'data Database/Instance/MonitoringRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
  'data Backups/Plan/DatabaseAndMedia/Role AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
  'app SessionSecret AwsSolutions-SMG4',
  'app OriginVerify/Secret AwsSolutions-SMG4',
  'app Fleet/InstanceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
  'app Fleet/InstanceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]',
  'app Fleet/InstanceRole/DefaultPolicy AwsSolutions-IAM5[Resource::<BackupSiteBucket752B1EAE.Arn>/*]',
  'app Fleet/InstanceRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:autoscaling:ap-northeast-2:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/<AWS::StackName>-shop]',
  'app Fleet/InstanceRole/DefaultPolicy AwsSolutions-IAM5[Resource::<MediaPipelineBucketD24FE6FD.Arn>/*]',
  'app Fleet/InstanceRole/DefaultPolicy AwsSolutions-IAM5[Resource::<MediaPipelineBucketD24FE6FD.Arn>/????????????????????????????????.*]',
  'edge Spa/Distribution AwsSolutions-CFR1',
  'edge Spa/Distribution @aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
  'edge Custom::CDKBucketDeployment* AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'edge Custom::CDKBucketDeployment* AwsSolutions-L1',
  'edge Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:GetBucket*]',
  'edge Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:GetObject*]',
  'edge Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:List*]',
  'edge Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-ap-northeast-2/*]',
  'edge Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:Abort*]',
  'edge Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:DeleteObject*]',
  'edge Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::<SpaBucket49E09520.Arn>/*]',
  'edge Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
  'app Fleet/Group @aws-cdk/aws-autoscaling:signalsNotUsedByInstanceRefresh',
  'data DatabaseRoles/Function/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'data DatabaseRoles/Function/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
  'data DatabaseRoles/Provider/framework-onEvent/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'data DatabaseRoles/Provider/framework-onEvent/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::<DatabaseRolesFunctionB120C4B0.Arn>:*]',
  'data PaymentProvider/TossSecret AwsSolutions-SMG4',
  'data Cache/AuthToken AwsSolutions-SMG4',
  'identity UserPool/Pool AwsSolutions-COG1',
  'identity UserPool/Pool AwsSolutions-COG2',
  'identity UserPool/StaffMfa/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'identity UserPool/ShopClientSecret AwsSolutions-SMG4',
  ...['instance-termination', 'az-power-interruption', 'rds-failover', 'cpu-stress'].map(
    (name) => `observability FaultInjection/${name}-role/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
  ),
  ...['instance-termination', 'az-power-interruption', 'cpu-stress'].map(
    (name) => `observability FaultInjection/${name}-role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:ec2:ap-northeast-2:<AWS::AccountId>:instance/*]`,
  ),
  'observability FaultInjection/az-power-interruption-role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:kms:ap-northeast-2:<AWS::AccountId>:key/*]',
  'observability FaultInjection/az-power-interruption-role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:ec2:ap-northeast-2:<AWS::AccountId>:network-acl/*]',
  'app MediaPipeline/Resize/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'app MediaPipeline/Resize/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
  'app MediaPipeline/Resize/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::<MediaPipelineBucketD24FE6FD.Arn>/*]',
  'app MediaPipeline/Resize/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::<MediaPipelineBucketD24FE6FD.Arn>/variants/*]',
  'app MediaPipeline/ResizeFailures AwsSolutions-SQS3',
  'app BucketNotificationsHandler*/Role AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
];
// The shop image's build role, absent when parameter shopImageId names an AMI.
const bakingImage = [
  'app ShopImage/BuildRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
  'app ShopImage/BuildRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:imagebuilder:ap-northeast-2:<AWS::AccountId>:component/<AWS::StackName>-shop-packages/*]',
  'app ShopImage/BuildRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::ec2imagebuilder*]',
  'app ShopImage/BuildRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:logs:ap-northeast-2:<AWS::AccountId>:log-group:/aws/imagebuilder/<AWS::StackName>-shop-recipe:*]',
];
const withReadReplica = [
  'data Database/ReadReplica/MonitoringRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
  'data Database/ReadReplica AwsSolutions-RDS2',
  'data Database/ReadReplica AwsSolutions-RDS3',
  'data Database/ReadReplica AwsSolutions-RDS11',
];
const withDomain = [
  'network SecurityGroups/LoadBalancer AwsSolutions-EC23',
  'app BackupSite/Bucket AwsSolutions-S10',
  'app BackupSite/Bucket AwsSolutions-S2',
  'app BackupSite/Bucket AwsSolutions-S5',
  'app Custom::CDKBucketDeployment* AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'app Custom::CDKBucketDeployment* AwsSolutions-L1',
  'app Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:GetBucket*]',
  'app Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:GetObject*]',
  'app Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:List*]',
  'app Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-ap-northeast-2/*]',
  'app Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:Abort*]',
  'app Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Action::s3:DeleteObject*]',
  'app Custom::CDKBucketDeployment*/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::<BackupSiteBucket752B1EAE.Arn>/*]',
];
// Without a domain there is no acknowledgement for the ALB (internal, VPC origin) or the origin protocol.
const withoutDomain = ['edge Spa/Distribution AwsSolutions-CFR4'];

describe('cdk-nag acknowledgements', () => {
  it.each([
    { withDomain: true, readReplica: true, bakesImage: true, expected: [...everywhere, ...bakingImage, ...withReadReplica, ...withDomain] },
    { withDomain: false, readReplica: true, bakesImage: true, expected: [...everywhere, ...bakingImage, ...withReadReplica, ...withoutDomain] },
    { withDomain: true, readReplica: false, bakesImage: true, expected: [...everywhere, ...bakingImage, ...withDomain] },
    { withDomain: false, readReplica: false, bakesImage: true, expected: [...everywhere, ...bakingImage, ...withoutDomain] },
    { withDomain: false, readReplica: false, bakesImage: false, expected: [...everywhere, ...withoutDomain] },
  ])('domain=$withDomain replica=$readReplica image=$bakesImage: exactly the reviewed list', ({ withDomain: domain, readReplica, bakesImage, expected }) => {
    const acks = nagAcknowledgementsFor({ region: 'ap-northeast-2', withDomain: domain, readReplica, deletionProtection: true, bakesImage });
    expect(acks.map((a) => `${a.stack} ${a.path} ${a.id}`).sort()).toEqual([...expected].sort());
  });

  it('accepts, for each order event consumer deployed, its VPC execution policies and the tracing wildcard', () => {
    const base = nagAcknowledgementsFor({ region: 'ap-northeast-2', withDomain: false, readReplica: false, deletionProtection: true, bakesImage: false }).map(
      (a) => `${a.stack} ${a.path} ${a.id}`,
    );
    const withConsumers = nagAcknowledgementsFor({
      region: 'ap-northeast-2',
      withDomain: false,
      readReplica: false,
      deletionProtection: true,
      bakesImage: false,
      eventConsumerFunctions: ['order-notifier', 'sales-feed'],
    }).map((a) => `${a.stack} ${a.path} ${a.id}`);
    expect(withConsumers.filter((a) => !base.includes(a)).sort()).toEqual(
      ['order-notifier', 'sales-feed']
        .flatMap((name) => [
          `app OrderEvents/${name}-function/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]`,
          `app OrderEvents/${name}-function/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]`,
          `app OrderEvents/${name}-function/ServiceRole/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
        ])
        .sort(),
    );
  });

  it('accepts a database without deletion protection only in a first deploy', () => {
    const first = (readReplica: boolean) =>
      nagAcknowledgementsFor({ region: 'ap-northeast-2', withDomain: false, readReplica, deletionProtection: false, bakesImage: true })
        .filter((a) => a.id === 'AwsSolutions-RDS10')
        .map((a) => `${a.stack} ${a.path}`);
    expect(first(true)).toEqual(['data Database/Instance', 'data Database/ReadReplica']);
    expect(first(false)).toEqual(['data Database/Instance']);
  });

  it('no longer accepts a public ALB without a domain, an HTTP origin, or a missing WAF', () => {
    for (const withDomain of [true, false]) {
      const ids = nagAcknowledgementsFor({ region: 'ap-northeast-2', withDomain, readReplica: true, deletionProtection: true, bakesImage: true }).map((a) => a.id);
      expect(ids).not.toContain('AwsSolutions-CFR2');
      expect(ids).not.toContain('AwsSolutions-CFR5');
      expect(ids.includes('AwsSolutions-EC23')).toBe(withDomain);
    }
  });

  it('gives every acknowledgement a reason of its own', () => {
    for (const ack of nagAcknowledgementsFor({ region: 'ap-northeast-2', withDomain: true, readReplica: true, deletionProtection: false, bakesImage: true })) {
      expect(ack.reason.length, ack.id).toBeGreaterThan(30);
    }
  });
});

import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { serviceUser } from '@evermall/shop/release';

export interface SharedMediaProps {
  readonly vpc: ec2.IVpc;
  /** The only peer admitted, on NFS. */
  readonly appSecurityGroup: ec2.ISecurityGroup;
}

/** NFS, the only port EFS mount targets listen on (EFS User Guide, "Using VPC security groups"). */
const nfsPort = 2049;

/** The POSIX user the shop runs as on every instance (its service user); the access point forces it. */
export const mediaOwner = { uid: String(serviceUser.uid), gid: String(serviceUser.gid) } as const;

/**
 * EFS for uploaded product images: every instance mounts it at MEDIA_DIR, so any instance
 * serves any image. Elastic throughput scales with use instead of burst credits
 * (EFS User Guide, "Throughput modes").
 */
export class SharedMedia extends Construct {
  public readonly fileSystem: efs.FileSystem;
  public readonly accessPoint: efs.AccessPoint;
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: SharedMediaProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'EFS mount targets: NFS from the shop instances only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.appSecurityGroup, ec2.Port.tcp(nfsPort), 'NFS from the shop instances');
    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      // One mount target per AZ, in the subnets the instances live in.
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: this.securityGroup,
      encrypted: true,
      throughputMode: efs.ThroughputMode.ELASTIC,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
      outOfInfrequentAccessPolicy: efs.OutOfInfrequentAccessPolicy.AFTER_1_ACCESS,
      // AWS Backup covers it through the Backups construct instead.
      enableAutomaticBackups: false,
      removalPolicy: RemovalPolicy.RETAIN,
      // Only IAM-authorised clients over TLS may mount (EFS User Guide, "Using IAM to control access").
      allowAnonymousAccess: false,
    });
    this.fileSystem.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUnencryptedTransport',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['*'],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    this.accessPoint = this.fileSystem.addAccessPoint('Media', {
      path: '/media',
      createAcl: { ownerUid: mediaOwner.uid, ownerGid: mediaOwner.gid, permissions: '750' },
      posixUser: mediaOwner,
    });
  }
}

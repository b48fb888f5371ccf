import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { appPort } from '@evermall/topology';

export interface SecurityGroupsProps {
  readonly vpc: ec2.IVpc;
  /** With a domain the ALB terminates HTTPS on 443; without one CloudFront reaches it on 80. */
  readonly httpsListener: boolean;
}

/**
 * The front of the security-group chain: world → ALB → app. The database and the media file
 * system own their groups (Database, SharedMedia), which admit the app group only. Only the
 * ALB faces 0.0.0.0/0, and its only egress is the app port on the app group.
 */
export class SecurityGroups extends Construct {
  public readonly loadBalancer: ec2.SecurityGroup;
  public readonly app: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const { vpc } = props;
    this.loadBalancer = new ec2.SecurityGroup(this, 'LoadBalancer', {
      vpc,
      description: 'ALB: HTTPS from the internet, HTTP only to redirect',
      allowAllOutbound: false,
    });
    this.app = new ec2.SecurityGroup(this, 'App', {
      vpc,
      description: 'Shop instances: the app port from the ALB only; egress for AWS APIs through NAT',
      allowAllOutbound: true,
    });

    if (props.httpsListener) this.loadBalancer.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from shoppers');
    this.loadBalancer.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(80),
      props.httpsListener ? 'HTTP, redirected to HTTPS' : 'HTTP from CloudFront (checked by a secret origin header)',
    );
    this.loadBalancer.addEgressRule(this.app, ec2.Port.tcp(appPort), 'to the shop instances');
    this.app.addIngressRule(this.loadBalancer, ec2.Port.tcp(appPort), 'from the ALB');
  }
}

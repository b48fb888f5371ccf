import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { appPort } from '@evermall/topology';
import { cachePort } from './cache.js';
import { vpcCidr } from './network.js';

export interface SecurityGroupsProps {
  readonly vpc: ec2.IVpc;
  /**
   * With a domain the ALB is internet-facing and terminates HTTPS on 443; without one it is
   * internal and CloudFront reaches it on 80 as a VPC origin, from inside the VPC.
   */
  readonly httpsListener: boolean;
  /**
   * What the app group is: the shop's instances (`ec2`), or the EKS nodes and so the shop's pods,
   * whose addresses the VPC CNI takes from the nodes' interfaces (`eks`). The chain behind it is the same.
   */
  readonly compute: 'ec2' | 'eks';
}

/**
 * The front of the security-group chain: ALB → app → cache, the database-roles function and the order
 * event consumers. The database and the media file system own their groups (Database, SharedMedia):
 * the database admits the app group, the database-roles function's group, the event consumers' group
 * and its rotation functions' group; the file system the app group only. The ALB's only egress is the app port on the app group.
 *
 * With a domain the ALB faces 0.0.0.0/0 on 443 and 80: the apex's Route 53 failover pair aliases
 * it (a shopper on the bare domain must reach its redirect to www), and its listener forwards to
 * the shop only requests carrying CloudFront's secret origin header (LoadBalancer). Without a
 * domain it is internal and admits the VPC only, where CloudFront's VPC-origin network interfaces
 * live (CloudFront Developer Guide, "Restrict access with VPC origins").
 */
export class SecurityGroups extends Construct {
  public readonly loadBalancer: ec2.SecurityGroup;
  /** The shop's instances, or with compute=eks the cluster's nodes and the pods on them. */
  public readonly app: ec2.SecurityGroup;
  /**
   * The DatabaseRoles custom resource's function (the shop's roles and grants, as the master user).
   * No ingress; egress to the database and, through the NAT gateways, Secrets Manager.
   */
  public readonly databaseRoles: ec2.SecurityGroup;
  /** The cache (Cache, Data stack): the cache port from the app group only, and no egress (it only answers). */
  public readonly cache: ec2.SecurityGroup;
  /**
   * The order events' consumer functions (OrderEvents, App stack), which the database admits on its
   * port. No ingress (SQS invokes them through Lambda); egress to the database and, through the NAT
   * gateways, Secrets Manager and SES.
   */
  public readonly eventConsumers: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const { vpc } = props;
    this.loadBalancer = new ec2.SecurityGroup(this, 'LoadBalancer', {
      vpc,
      description: props.httpsListener ? 'ALB: HTTPS from the internet, HTTP only to redirect' : 'ALB (internal): HTTP from CloudFront VPC origins',
      allowAllOutbound: false,
    });
    // A different id on EKS: CloudFormation cannot change a group's description in place.
    this.app =
      props.compute === 'eks'
        ? new ec2.SecurityGroup(this, 'ClusterNodes', {
            vpc,
            description: 'EKS nodes and the shop pods on them: the app port from the ALB only; egress for AWS APIs and images through NAT',
            allowAllOutbound: true,
          })
        : new ec2.SecurityGroup(this, 'App', {
            vpc,
            description: 'Shop instances: the app port from the ALB only; egress for AWS APIs through NAT',
            allowAllOutbound: true,
          });

    this.databaseRoles = new ec2.SecurityGroup(this, 'DatabaseRoles', {
      vpc,
      description: 'Database-roles function: creates the shop roles as the master user; no ingress',
      allowAllOutbound: true,
    });

    this.eventConsumers = new ec2.SecurityGroup(this, 'EventConsumers', {
      vpc,
      description: 'Order event consumer functions: read their queues through Lambda, write the database; no ingress',
      allowAllOutbound: true,
    });

    if (props.httpsListener) {
      this.loadBalancer.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: CloudFront (origin header checked) and the apex redirect to www');
      this.loadBalancer.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');
    } else {
      this.loadBalancer.addIngressRule(ec2.Peer.ipv4(vpcCidr), ec2.Port.tcp(80), 'HTTP from CloudFront VPC origin interfaces (origin header checked)');
    }
    this.loadBalancer.addEgressRule(this.app, ec2.Port.tcp(appPort), 'to the shop instances');
    this.app.addIngressRule(this.loadBalancer, ec2.Port.tcp(appPort), 'from the ALB');

    this.cache = new ec2.SecurityGroup(this, 'Cache', {
      vpc,
      description: 'ElastiCache (Valkey): the cache port from the shop instances only',
      allowAllOutbound: false,
    });
    this.cache.addIngressRule(this.app, ec2.Port.tcp(cachePort), 'from the shop instances (TLS, AUTH)');
  }
}

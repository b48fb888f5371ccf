import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EdgeFirewall } from '../constructs/edge-firewall.js';

/**
 * The WAF web ACL for CloudFront, in us-east-1 where CLOUDFRONT-scope web ACLs live. The edge
 * stack reads its ARN through CDK's cross-region references (crossRegionReferences on both
 * stacks): an SSM parameter written in the app region at deploy time, so synthesis still needs
 * no credentials.
 */
export class EdgeFirewallStack extends Stack {
  public readonly firewall: EdgeFirewall;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    this.firewall = new EdgeFirewall(this, 'EdgeFirewall');
  }
}

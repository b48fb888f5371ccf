import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Network } from '../constructs/network.js';
import { SecurityGroups } from '../constructs/security-groups.js';

export interface NetworkStackProps extends StackProps {
  readonly natGateways: number;
  readonly httpsListener: boolean;
  readonly compute: 'ec2' | 'eks';
}

/** The VPC and the security-group chain. */
export class NetworkStack extends Stack {
  public readonly network: Network;
  public readonly securityGroups: SecurityGroups;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.network = new Network(this, 'Network', { natGateways: props.natGateways });
    this.securityGroups = new SecurityGroups(this, 'SecurityGroups', { vpc: this.network.vpc, httpsListener: props.httpsListener, compute: props.compute });
  }
}

import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { zones } from '@evermall/topology';

export interface NetworkProps {
  /** One per AZ for production; a cost profile may choose 1 (then an AZ outage also cuts the other AZ's egress). */
  readonly natGateways: number;
}

/** The VPC's address range; the internal ALB admits it (CloudFront VPC origins connect from inside). */
export const vpcCidr = '10.40.0.0/16';

/**
 * The VPC: one public, one private-with-egress and one isolated subnet in each zone of the
 * topology. Flow logs record rejected and accepted traffic; S3 traffic (bundle, backup site)
 * stays off the NAT gateways through a gateway endpoint.
 */
export class Network extends Construct {
  public readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(vpcCidr),
      // maxAzs with a region-only stack renders Fn::GetAZs: no availability-zone lookup at synth.
      maxAzs: zones.length,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      restrictDefaultSecurityGroup: false,
    });

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
  }
}

import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { FaultInjection } from '../constructs/fault-injection.js';
import { Observability, type ObservabilityProps } from '../constructs/observability.js';

export type ObservabilityStackProps = StackProps &
  ObservabilityProps & {
    readonly vpc: ec2.IVpc;
    /** The tag of the instances the shop runs on (FaultInjectionProps.shopInstanceTag). */
    readonly shopInstanceTag: { readonly key: string; readonly value: string };
  };

/** Alarms to SNS and the dashboard, and the AWS FIS experiments that the 5xx alarm stops. */
export class ObservabilityStack extends Stack {
  public readonly observability: Observability;
  public readonly faultInjection: FaultInjection;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    this.observability = new Observability(this, 'Observability', props);
    this.faultInjection = new FaultInjection(this, 'FaultInjection', {
      vpc: props.vpc,
      shopInstanceTag: props.shopInstanceTag,
      database: props.database,
      stopAlarm: this.observability.errorRateAlarm,
    });
  }
}

import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Observability, type ObservabilityProps } from '../constructs/observability.js';

export type ObservabilityStackProps = StackProps & ObservabilityProps;

/** Alarms to SNS and the dashboard. */
export class ObservabilityStack extends Stack {
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    this.observability = new Observability(this, 'Observability', props);
  }
}

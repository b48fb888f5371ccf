import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface HealthCheckAlarmProps {
  readonly healthCheck: route53.IHealthCheck;
  readonly alarmEmail?: string;
}

/**
 * Route 53 publishes health-check metrics only in us-east-1 (Route 53 Developer Guide,
 * "Monitoring health check status"), so this alarm and its topic live in that region.
 */
export class HealthCheckAlarm extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: HealthCheckAlarmProps) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', { description: 'Encrypts the front-door alarm topic', enableKeyRotation: true });
    key.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Evermall front door', masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.alarm = new cloudwatch.Alarm(this, 'PrimaryUnhealthy', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Route53',
        metricName: 'HealthCheckStatus',
        dimensionsMap: { HealthCheckId: props.healthCheck.healthCheckId },
        period: Duration.minutes(1),
        statistic: 'Minimum',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: 'The /readyz deep check fails: Route 53 is serving the static backup site',
    });
    this.alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarm.addOkAction(new actions.SnsAction(this.topic));
  }
}

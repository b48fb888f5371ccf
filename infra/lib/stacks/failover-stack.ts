import { Stack, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { FailoverDns } from '../constructs/failover-dns.js';
import { HealthCheckAlarm } from '../constructs/health-check-alarm.js';
import type { DomainParameters } from '../parameters.js';

export interface FailoverStackProps extends StackProps {
  readonly domain: DomainParameters;
  readonly appRegion: string;
  readonly alarmEmail?: string;
}

/**
 * The Route 53 failover records, their deep health check and its alarm, in us-east-1 where
 * Route 53 health-check metrics live. It refers to the regional stacks by name only, so no
 * cross-region reference (and no custom resource) is needed.
 */
export class FailoverStack extends Stack {
  public readonly dns: FailoverDns;
  public readonly alarm: HealthCheckAlarm;

  constructor(scope: Construct, id: string, props: FailoverStackProps) {
    super(scope, id, props);
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.domain.hostedZoneId,
      zoneName: props.domain.hostedZoneName,
    });
    this.dns = new FailoverDns(this, 'FailoverDns', {
      zone,
      domainName: props.domain.domainName,
      apiDomainName: props.domain.apiDomainName,
      spaDomainName: props.domain.spaDomainName,
      appRegion: props.appRegion,
    });
    this.alarm = new HealthCheckAlarm(this, 'HealthCheckAlarm', {
      healthCheck: this.dns.healthCheck,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
  }
}

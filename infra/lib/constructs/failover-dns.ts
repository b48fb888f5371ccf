import { Duration } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { frontDoorFailover } from '@evermall/topology';

export interface FailoverDnsProps {
  readonly zone: route53.IHostedZone;
  /** The name shoppers use; the backup bucket carries exactly this name. */
  readonly domainName: string;
  /** A plain alias to the ALB (made by the regional edge stack); the PRIMARY record points at it. */
  readonly apiDomainName: string;
  /** www.<domain> (CloudFront): the health check takes the shopper's path to the shop. */
  readonly spaDomainName: string;
  /** The region of the ALB and of the backup-site bucket. */
  readonly appRegion: string;
}

/**
 * Route 53 failover for the shop's domain. PRIMARY → the ALB (through its api. alias, so this
 * stack needs no cross-region reference), which only redirects the apex to www; SECONDARY → the
 * S3 website bucket holding the static backup site. Both evaluate target health.
 *
 * The deep health check requests https://www.<domain>/readyz: CloudFront, its WAF and the origin
 * header on the way to the ALB, the path every shopper's API call takes (the ALB forwards nothing
 * without CloudFront's header, and Route 53 health checks cannot send one). It never targets
 * <domain> itself: once failed over, <domain> resolves to the HTTP-only S3 website, an HTTPS
 * check on it would never pass again, and the site would never fail back.
 */
export class FailoverDns extends Construct {
  public readonly healthCheck: route53.HealthCheck;
  public readonly primary: route53.ARecord;
  public readonly secondary: route53.ARecord;

  constructor(scope: Construct, id: string, props: FailoverDnsProps) {
    super(scope, id);
    this.healthCheck = new route53.HealthCheck(this, 'DeepCheck', {
      type: route53.HealthCheckType.HTTPS,
      fqdn: props.spaDomainName,
      port: 443,
      resourcePath: frontDoorFailover.deepCheckPath,
      enableSNI: true,
      requestInterval: Duration.seconds(frontDoorFailover.intervalSeconds),
      failureThreshold: frontDoorFailover.failureThreshold,
      measureLatency: true,
    });

    this.primary = new route53.ARecord(this, 'Primary', {
      zone: props.zone,
      recordName: props.domainName,
      failover: route53.Failover.PRIMARY,
      setIdentifier: 'primary-alb',
      healthCheck: this.healthCheck,
      target: route53.RecordTarget.fromAlias({
        bind: () => ({ dnsName: props.apiDomainName, hostedZoneId: props.zone.hostedZoneId, evaluateTargetHealth: true }),
      }),
    });

    const website = RegionInfo.get(props.appRegion);
    const websiteZoneId = website.s3StaticWebsiteHostedZoneId;
    const websiteEndpoint = website.s3StaticWebsiteEndpoint;
    if (!websiteZoneId || !websiteEndpoint) throw new Error(`No S3 website hosted zone id known for ${props.appRegion}`);
    this.secondary = new route53.ARecord(this, 'Secondary', {
      zone: props.zone,
      recordName: props.domainName,
      failover: route53.Failover.SECONDARY,
      setIdentifier: 'secondary-backup-site',
      target: route53.RecordTarget.fromAlias({
        bind: () => ({ dnsName: websiteEndpoint, hostedZoneId: websiteZoneId, evaluateTargetHealth: true }),
      }),
    });
  }
}

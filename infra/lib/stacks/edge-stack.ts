import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import { AccessLogs } from '../constructs/access-logs.js';
import type { BackupSite } from '../constructs/backup-site.js';
import { OriginVerify } from '../constructs/origin-verify.js';
import { Spa } from '../constructs/spa.js';
import type { DomainParameters } from '../parameters.js';

export interface EdgeStackProps extends StackProps {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly originVerifySecret: secretsmanager.ISecret;
  readonly originVerifyRotation: boolean;
  readonly backupSite: BackupSite;
  readonly domain?: DomainParameters;
  /** The WAF web ACL's ARN (EdgeFirewall stack, us-east-1). */
  readonly webAclArn: string;
  /**
   * With a recovery region (parameter recovery): the SPA's copy there, which CloudFront falls back
   * to, and the name api.<domain> aliases instead of this region's ALB (the regions' failover pair,
   * RegionalFailoverDns, in the RecoveryApp stack).
   */
  readonly recovery?: { readonly region: string; readonly spaBucketName: string; readonly apiOriginName: string };
}

/** CloudFront with the SPA, and (with a domain) the www. and api. records. */
export class EdgeStack extends Stack {
  public readonly spa: Spa;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    // The web ACL's ARN comes from us-east-1 (EdgeFirewallStack).
    super(scope, id, { ...props, crossRegionReferences: true });
    const logs = new AccessLogs(this, 'AccessLogs', { forCloudFront: true });
    const { domain } = props;
    this.spa = new Spa(this, 'Spa', {
      // With a domain: api.<domain> over HTTPS. Without one: the internal ALB as a VPC origin.
      apiOrigin: domain ? { https: { domainName: domain.apiDomainName } } : { vpcOrigin: props.loadBalancer },
      originVerifyValue: OriginVerify.cloudFrontValue(props.originVerifySecret, props.originVerifyRotation),
      backupBucket: props.backupSite.bucket,
      accessLogs: logs.bucket,
      webAclArn: props.webAclArn,
      ...(props.recovery
        ? { spaFallbackBucket: s3.Bucket.fromBucketAttributes(this, 'SpaCopy', { bucketName: props.recovery.spaBucketName, region: props.recovery.region }) }
        : {}),
      ...(domain ? { customDomain: { domainName: domain.spaDomainName, certificateArn: domain.cloudFrontCertificateArn } } : {}),
    });
    // Where shoppers (and the deploy's smoke check, infra/scripts/smoke.ts) reach the shop.
    new CfnOutput(this, 'ShopUrl', {
      description: 'The shop as shoppers reach it: the post-deploy smoke check requests it',
      value: domain ? `https://${domain.spaDomainName}` : `https://${this.spa.distribution.distributionDomainName}`,
    });

    if (domain) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: domain.hostedZoneId,
        zoneName: domain.hostedZoneName,
      });
      const spaTarget = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.spa.distribution));
      new route53.ARecord(this, 'SpaA', { zone, recordName: domain.spaDomainName, target: spaTarget });
      new route53.AaaaRecord(this, 'SpaAaaa', { zone, recordName: domain.spaDomainName, target: spaTarget });
      // The ALB's own name: CloudFront's origin, the health check's target and the failover PRIMARY's
      // alias. With a recovery region it aliases the regions' failover pair instead, in this zone.
      const apiOriginName = props.recovery?.apiOriginName;
      new route53.ARecord(this, 'Api', {
        zone,
        recordName: domain.apiDomainName,
        target: route53.RecordTarget.fromAlias(
          apiOriginName
            ? { bind: () => ({ dnsName: apiOriginName, hostedZoneId: zone.hostedZoneId, evaluateTargetHealth: true }) }
            : new targets.LoadBalancerTarget(props.loadBalancer, { evaluateTargetHealth: true }),
        ),
      });
    }
  }
}

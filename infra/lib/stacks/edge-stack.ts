import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
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
      // The ALB's own name: CloudFront's origin, the health check's target and the failover PRIMARY's alias.
      new route53.ARecord(this, 'Api', {
        zone,
        recordName: domain.apiDomainName,
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(props.loadBalancer, { evaluateTargetHealth: true })),
      });
    }
  }
}

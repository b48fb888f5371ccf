import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { appPort, deregistrationDelaySeconds, targetHealthCheck } from '@evermall/topology';

export interface LoadBalancerProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly accessLogs: s3.IBucket;
  /** With a domain: HTTPS on 443 with this certificate, and HTTP redirected. */
  readonly https?: { readonly certificateArn: string; readonly domainName: string; readonly spaDomainName: string };
  /**
   * Without a domain CloudFront reaches the ALB over HTTP; the ALB forwards only requests that
   * carry this secret header, so nobody can bypass CloudFront.
   */
  readonly originVerifySecret: string;
}

/** The header CloudFront adds on its way to the ALB. */
export const originVerifyHeader = 'x-evermall-origin-verify';

/**
 * The Application Load Balancer in the public subnets, and the shop's target group. The target
 * check is shallow (`/healthz`): a DB blip must not make every target fail and the ASG replace
 * the fleet. Timings come from topology/, the same values the twin's HAProxy uses.
 */
export class LoadBalancer extends Construct {
  public readonly alb: elbv2.ApplicationLoadBalancer;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      internetFacing: true,
      securityGroup: props.securityGroup,
      // Invalid header names are a request-smuggling vector (ELB User Guide, "Load balancer attributes").
      dropInvalidHeaderFields: true,
      deletionProtection: true,
      http2Enabled: true,
      idleTimeout: Duration.seconds(60),
    });
    this.alb.logAccessLogs(props.accessLogs, 'alb');

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Shop', {
      vpc: props.vpc,
      port: appPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      deregistrationDelay: Duration.seconds(deregistrationDelaySeconds),
      healthCheck: {
        path: targetHealthCheck.path,
        interval: Duration.seconds(targetHealthCheck.intervalSeconds),
        timeout: Duration.seconds(targetHealthCheck.timeoutSeconds),
        healthyThresholdCount: targetHealthCheck.healthyThreshold,
        unhealthyThresholdCount: targetHealthCheck.unhealthyThreshold,
        healthyHttpCodes: '200',
      },
    });

    if (props.https) {
      const https = this.alb.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.https.certificateArn)],
        // TLS 1.3 and 1.2 with forward secrecy only (ELB User Guide, "Security policies").
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultTargetGroups: [this.targetGroup],
      });
      // A shopper who types the bare domain gets the SPA; everything else is the shop's API.
      https.addAction('RootToSpa', {
        priority: 10,
        conditions: [elbv2.ListenerCondition.hostHeaders([props.https.domainName]), elbv2.ListenerCondition.pathPatterns(['/'])],
        action: elbv2.ListenerAction.redirect({ host: props.https.spaDomainName, path: '/', protocol: 'HTTPS', port: '443', permanent: false }),
      });
      this.alb.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    } else {
      const http = this.alb.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'Forbidden' }),
      });
      http.addAction('FromCloudFront', {
        priority: 10,
        conditions: [elbv2.ListenerCondition.httpHeader(originVerifyHeader, [props.originVerifySecret])],
        action: elbv2.ListenerAction.forward([this.targetGroup]),
      });
    }
  }
}

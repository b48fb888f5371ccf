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
  /**
   * With a domain: an internet-facing ALB (the apex's Route 53 failover pair aliases it) with
   * HTTPS on 443 and HTTP redirected. Without one: an internal ALB that CloudFront reaches as a
   * VPC origin (HTTP inside the VPC: the ALB's own name cannot carry an ACM certificate).
   */
  readonly https?: { readonly certificateArn: string; readonly domainName: string; readonly spaDomainName: string };
  /**
   * The values of the CloudFront origin header the ALB forwards to the shop: Secrets Manager
   * dynamic references (OriginVerify), never literals. Every other request gets 403.
   */
  readonly originVerifyValues: readonly string[];
  /** Off for a first deploy only, so a failed one can roll back (parameter deletionProtection). */
  readonly deletionProtection: boolean;
  /** `ip` for pods registered by the Load Balancer Controller (compute=eks); instances otherwise. */
  readonly targetType?: elbv2.TargetType;
}

/** The header CloudFront adds on its way to the ALB. */
export const originVerifyHeader = 'x-evermall-origin-verify';

/**
 * The Application Load Balancer (public with a domain, internal without one), and the shop's target group. The target
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
      vpcSubnets: { subnetType: props.https ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
      internetFacing: props.https !== undefined,
      securityGroup: props.securityGroup,
      // Invalid header names are a request-smuggling vector (ELB User Guide, "Load balancer attributes").
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection,
      http2Enabled: true,
      idleTimeout: Duration.seconds(60),
    });
    this.alb.logAccessLogs(props.accessLogs, 'alb');

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Shop', {
      vpc: props.vpc,
      port: appPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: props.targetType ?? elbv2.TargetType.INSTANCE,
      deregistrationDelay: Duration.seconds(deregistrationDelaySeconds),
      // A target that hangs or starves keeps passing no request while its health check may still
      // pass now and then: weighted random routing with anomaly mitigation (automatic target
      // weights) sends less traffic to a target whose errors stand out from its peers', before the
      // health check marks it unhealthy (ELB User Guide, "Routing algorithms"; issue 15). The
      // twin's load balancer does the same from HAProxy's stats (twin/src/load-balancer/anomaly-mitigation.ts).
      loadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType.WEIGHTED_RANDOM,
      enableAnomalyMitigation: true,
      healthCheck: {
        path: targetHealthCheck.path,
        interval: Duration.seconds(targetHealthCheck.intervalSeconds),
        timeout: Duration.seconds(targetHealthCheck.timeoutSeconds),
        healthyThresholdCount: targetHealthCheck.healthyThreshold,
        unhealthyThresholdCount: targetHealthCheck.unhealthyThreshold,
        healthyHttpCodes: '200',
      },
    });

    // Only CloudFront knows the origin header, so only requests through CloudFront (and its WAF)
    // reach the shop; a request straight to the ALB gets 403.
    const fromCloudFront = (listener: elbv2.ApplicationListener) =>
      listener.addAction('FromCloudFront', {
        priority: 20,
        conditions: [elbv2.ListenerCondition.httpHeader(originVerifyHeader, [...props.originVerifyValues])],
        action: elbv2.ListenerAction.forward([this.targetGroup]),
      });
    const forbidden = elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'Forbidden' });

    if (props.https) {
      const https = this.alb.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.https.certificateArn)],
        // TLS 1.3 and 1.2 with forward secrecy only (ELB User Guide, "Security policies").
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultAction: forbidden,
      });
      // A shopper who types the bare domain (which Route 53 resolves to this ALB while it is
      // healthy) is sent to the SPA on www, path and query kept; the apex never reaches the shop.
      https.addAction('ApexToSpa', {
        priority: 10,
        conditions: [elbv2.ListenerCondition.hostHeaders([props.https.domainName])],
        action: elbv2.ListenerAction.redirect({ host: props.https.spaDomainName, protocol: 'HTTPS', port: '443', permanent: false }),
      });
      fromCloudFront(https);
      this.alb.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    } else {
      fromCloudFront(this.alb.addListener('Http', { port: 80, protocol: elbv2.ApplicationProtocol.HTTP, open: false, defaultAction: forbidden }));
    }
  }
}

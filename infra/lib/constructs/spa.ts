import { existsSync } from 'node:fs';
import path from 'node:path';
import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { catalogCaching, edgeOriginFailover, frontDoorFailover, requestTimeouts } from '@evermall/topology';
import { originVerifyHeader } from './load-balancer.js';
import { workspaceDir } from './workspace.js';

/**
 * The SPA's Content-Security-Policy. Toss Payments' browser SDK is loaded from
 * js.tosspayments.com (TOSS_SDK_URL, payment-provider.ts) and opens its payment window and API
 * calls on other tosspayments.com hosts, so those are admitted for scripts, connections and frames;
 * nothing else outside the site is.
 */
export const spaContentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self' https://js.tosspayments.com",
  "connect-src 'self' https://*.tosspayments.com",
  'frame-src https://*.tosspayments.com',
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export interface SpaProps {
  /**
   * How CloudFront reaches the ALB: `api.<domain>` over HTTPS (the ALB's certificate covers it),
   * or, without a domain, the internal ALB as a VPC origin (HTTP over CloudFront's private
   * connection into the VPC: no certificate can name the ALB's own DNS name).
   */
  readonly apiOrigin: { readonly https: { readonly domainName: string } } | { readonly vpcOrigin: elbv2.IApplicationLoadBalancer };
  /** The origin header's value: a Secrets Manager dynamic reference (OriginVerify). */
  readonly originVerifyValue: string;
  /** The WAF web ACL (scope CLOUDFRONT, in us-east-1) that guards every request. */
  readonly webAclArn?: string;
  /**
   * Answers the catalog GETs and /media/* when the ALB cannot (CloudFront origin failover), through
   * its REST endpoint with OAC (HTTPS) even when it is also an S3 website for Route 53 failover.
   */
  readonly backupBucket: s3.IBucket;
  readonly accessLogs: s3.IBucket;
  /**
   * The SPA's copy in the recovery region (S3 replication), which a GET falls back to when the
   * bucket does not answer; with OAC, like the bucket.
   */
  readonly spaFallbackBucket?: s3.IBucket;
  /** With a domain: the SPA's name (www.<domain>) and its us-east-1 certificate. */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
}

/**
 * SPA routing: a path without a file extension is a client-side route, so the viewer gets
 * /index.html. A function on the default behaviour does it rather than distribution-wide
 * custom error responses, which would also turn the API's own 403/404 answers into 200 HTML.
 */
export const spaRoutingFunctionCode = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}`;

/**
 * The storefront: a private S3 bucket behind CloudFront with Origin Access Control, and the
 * /api/* and /media/* behaviours to the ALB. The catalog reads and /media/* fail over to the
 * backup bucket per request (an origin group); the rest of /api/* has the ALB alone.
 */
export class Spa extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: SpaProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'spa-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const originOptions = {
      customHeaders: { [originVerifyHeader]: props.originVerifyValue },
      // The ALB neither retries nor times out a request a target holds (its idle timeout is 60 s):
      // this is the bound on a request caught by a hung instance, topology's write timeout, past
      // the slowest healthy write (issue 15). The twin's load balancer gives its instances the same.
      readTimeout: Duration.seconds(requestTimeouts.writeSeconds),
      connectionAttempts: 2,
    };
    // The same ALB for the reads that fail over (the origin group below): topology's timeouts,
    // so a dead or hung ALB costs a page seconds, not CloudFront's default 3 × 10 s, before the
    // backup site answers. Writes keep the patient origin above.
    const failoverOptions = {
      customHeaders: originOptions.customHeaders,
      connectionTimeout: Duration.seconds(edgeOriginFailover.connectionTimeoutSeconds),
      connectionAttempts: edgeOriginFailover.connectionAttempts,
      readTimeout: Duration.seconds(edgeOriginFailover.responseTimeoutSeconds),
    };
    const https = 'https' in props.apiOrigin;
    let alb: cloudfront.IOrigin;
    let albForReads: cloudfront.IOrigin;
    if ('https' in props.apiOrigin) {
      const httpsOrigin = {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      };
      alb = new origins.HttpOrigin(props.apiOrigin.https.domainName, { ...originOptions, ...httpsOrigin });
      albForReads = new origins.HttpOrigin(props.apiOrigin.https.domainName, { ...failoverOptions, ...httpsOrigin });
    } else {
      // One VPC origin (CloudFront's connection into the VPC) that both origins use.
      const vpcOrigin = new cloudfront.VpcOrigin(this, 'AlbVpcOrigin', {
        endpoint: cloudfront.VpcOriginEndpoint.applicationLoadBalancer(props.apiOrigin.vpcOrigin),
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
        httpPort: 80,
        vpcOriginName: `${Stack.of(this).stackName}-alb-origin`,
      });
      alb = origins.VpcOrigin.withVpcOrigin(vpcOrigin, originOptions);
      albForReads = origins.VpcOrigin.withVpcOrigin(vpcOrigin, failoverOptions);
    }
    // Imported by name: its bucket policy (BackupSite) already admits CloudFront, and changing it
    // from here would make the app stack depend on this one and back.
    const backup = origins.S3BucketOrigin.withOriginAccessControl(
      s3.Bucket.fromBucketAttributes(this, 'BackupBucket', { bucketName: props.backupBucket.bucketName, region: Stack.of(this).region }),
      { originAccessLevels: [cloudfront.AccessLevel.READ] },
    );
    // The reads a shopper's pages make (the catalog GETs and the images): per request, a GET the
    // ALB answers with one of topology's status codes, or does not answer in time, is answered
    // from the backup site's bucket (its catalog JSON answers and images, shop/src/static-site),
    // with no health check in between (CloudFront Developer Guide, "Optimize high availability
    // with CloudFront origin failover"). An origin group serves only GET, HEAD and OPTIONS, so every
    // behaviour that takes writes keeps the ALB alone.
    const pageReads = new origins.OriginGroup({
      primaryOrigin: albForReads,
      fallbackOrigin: backup,
      fallbackStatusCodes: [...edgeOriginFailover.statusCodes],
    });

    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Evermall: HSTS, CSP, no framing, no sniffing',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, preload: false, override: true },
        contentSecurityPolicy: { contentSecurityPolicy: spaContentSecurityPolicy, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    const spaRouting = new cloudfront.Function(this, 'SpaRouting', {
      comment: 'Client-side routes get /index.html',
      code: cloudfront.FunctionCode.fromInline(spaRoutingFunctionCode),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });

    const api: cloudfront.BehaviorOptions = {
      origin: alb,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      // The shop refuses cookie-authenticated writes whose Origin is neither its Host nor in
      // ALLOWED_ORIGINS (CSRF). Over HTTPS the Host must stay api.<domain>, which the ALB's
      // certificate covers, and the instances allow https://www.<domain>. Through the VPC origin
      // (no domain) the viewer's Host, the CloudFront domain, is passed through so it matches the Origin.
      originRequestPolicy: https ? cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER : cloudfront.OriginRequestPolicy.ALL_VIEWER,
      responseHeadersPolicy: securityHeaders,
    };

    // The catalog's public reads are cached at the edge (issue 14): keyed by path and query only,
    // kept as long as the shop's Cache-Control says (no header: not kept), at most topology's max
    // age; cookies never reach the origin on these paths, so no answer can be anyone's own. The
    // twin's front door renders the same policy as an HAProxy cache (twin/src/load-balancer).
    const catalogCache = new cloudfront.CachePolicy(this, 'CatalogCache', {
      comment: 'Evermall catalog reads: path and query, no cookies, the origin Cache-Control up to the catalog max age',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(catalogCaching.maxAgeSeconds),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const catalogOriginRequest = new cloudfront.OriginRequestPolicy(this, 'CatalogOriginRequest', {
      comment: 'Evermall catalog reads: the query string, no cookies, no viewer headers',
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.none(),
    });
    const catalog: cloudfront.BehaviorOptions = {
      ...api,
      origin: pageReads,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: catalogCache,
      originRequestPolicy: catalogOriginRequest,
      compress: true,
    };
    // Each path and everything under it; listed before /api/* (CloudFront matches behaviours in order).
    const catalogBehaviors = Object.fromEntries(catalogCaching.edgePaths.flatMap((p) => [[p, catalog] as const, [`${p}/*`, catalog] as const]));

    // With a recovery region, the SPA's files come from its copy there when this region's S3 fails
    // (a timeout or a 5xx), per request: CloudFront is global, the buckets are not.
    const spaFiles = origins.S3BucketOrigin.withOriginAccessControl(this.bucket);
    const spaOrigin = props.spaFallbackBucket
      ? new origins.OriginGroup({
          primaryOrigin: spaFiles,
          fallbackOrigin: origins.S3BucketOrigin.withOriginAccessControl(props.spaFallbackBucket, { originAccessLevels: [cloudfront.AccessLevel.READ] }),
          fallbackStatusCodes: [500, 502, 503, 504],
        })
      : spaFiles;

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Evermall storefront',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: spaOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        compress: true,
        functionAssociations: [{ function: spaRouting, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        ...catalogBehaviors,
        '/api/*': api,
        // The Route 53 failover health check's target: the same path a shopper takes (CloudFront,
        // its WAF, the origin header, the ALB), so the ALB needs no path open without the header.
        [frontDoorFailover.deepCheckPath]: { ...api, allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD },
        // Images are immutable (random names), so they are cached; when the ALB fails, GETs are
        // answered from the backup bucket, which holds the images the static export copied.
        '/media/*': {
          origin: pageReads,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: securityHeaders,
        },
      },
      ...(props.customDomain
        ? {
            domainNames: [props.customDomain.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'cloudfront/',
    });

    const storefrontDist = path.join(workspaceDir('@evermall/storefront'), 'dist');
    const built = existsSync(path.join(storefrontDist, 'index.html'));
    if (!built) {
      Annotations.of(this).addInfo(`storefront/dist is not built; deploying a placeholder page. Run npm run build -w storefront first.`);
    }
    new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [
        built
          ? s3deploy.Source.asset(storefrontDist)
          : s3deploy.Source.data('index.html', '<!doctype html><meta charset="utf-8"><title>Evermall</title><p>The storefront has not been built yet.</p>'),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/index.html'],
      prune: false,
      memoryLimit: 512,
    });
  }
}

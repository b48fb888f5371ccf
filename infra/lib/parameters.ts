import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { Node } from 'constructs';
import { autoScaling, cache, warmPool } from '@evermall/topology';
import { globalDatastoreNodeTypeProblem } from './constructs/cross-region-cache.js';
import { socialProviderOrder, socialProviders, type SocialProviderKey } from './constructs/identity-providers.js';

/**
 * Every input of the CDK app, in one schema with defaults. Values come from CDK context
 * (`cdk.json`, or `-c name=value` on the command line), so synthesis needs no AWS access.
 */
export const ParametersSchema = Type.Object({
  /** `production`: a NAT gateway per AZ, larger classes, a read replica. `small`: one NAT, small classes, no replica. */
  profile: Type.Union([Type.Literal('production'), Type.Literal('small')], { default: 'production' }),
  /** Stacks are region-only (no account), so synthesis never looks anything up. */
  region: Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d$', default: 'ap-northeast-2' }),
  /** Prefix of every stack name, so two copies (e.g. staging) can live in one account. */
  stackPrefix: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9-]{0,30}$', default: 'Evermall' }),
  /** The shop's domain (e.g. shop.example.com). Without it the app is served on the CloudFront domain only. */
  domainName: Type.Optional(Type.String({ pattern: '^([a-z0-9-]+\\.)+[a-z]{2,}$' })),
  /** The public hosted zone that holds domainName. */
  hostedZoneId: Type.Optional(Type.String({ pattern: '^Z[A-Z0-9]{1,31}$' })),
  hostedZoneName: Type.Optional(Type.String({ pattern: '^([a-z0-9-]+\\.)+[a-z]{2,}$' })),
  /** ACM certificate in the stack's region for the ALB; it must cover domainName and api.domainName. */
  albCertificateArn: Type.Optional(Type.String({ pattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/.+$' })),
  /** ACM certificate in us-east-1 for CloudFront (CloudFront only reads certificates from there); it must cover www.domainName. */
  cloudFrontCertificateArn: Type.Optional(Type.String({ pattern: '^arn:aws[a-z-]*:acm:us-east-1:\\d{12}:certificate/.+$' })),
  /**
   * ACM certificate in us-east-1 for the sign-in pages on auth.domainName (Cognito serves a custom
   * domain from CloudFront). Defaults to cloudFrontCertificateArn, which must then cover
   * auth.domainName too (one certificate naming both, or *.domainName).
   */
  authCertificateArn: Type.Optional(Type.String({ pattern: '^arn:aws[a-z-]*:acm:us-east-1:\\d{12}:certificate/.+$' })),
  /**
   * Client ids of the social sign-in providers (socialProviders, identity-providers.ts). None by
   * default; a provider without one is not created. Each provider's secret is read from Secrets
   * Manager (`<stackPrefix>/identity-providers/<provider>`, infra/README.md "Sign-in").
   */
  kakaoClientId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,255}$' })),
  googleClientId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,255}$' })),
  facebookAppId: Type.Optional(Type.String({ pattern: '^[0-9]{1,32}$' })),
  /**
   * The order notifier's sender (its SES identity: the address, or its domain, verified by the
   * operator). Defaults to orders@<domainName>; without either the notifier is not deployed and its
   * queue keeps the events (infra/README.md, "Order events").
   */
  mailFrom: Type.Optional(Type.String({ pattern: '^[^@\\s<>"]+@([a-z0-9-]+\\.)+[a-z]{2,}$' })),
  /** Who receives alarms and fleet events. Without it the SNS topics exist with no subscriber. */
  alarmEmail: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' })),
  /** Lets instances connect with IAM database authentication besides the password in Secrets Manager. */
  iamDatabaseAuth: Type.Boolean({ default: false }),
  /** Days between automatic rotations of the database password. */
  secretRotationDays: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
  /**
   * Set during a rotation of the CloudFront origin secret (infra/README.md): the ALB accepts the
   * secret's current and previous value, so CloudFront can switch without a 403 window.
   */
  originVerifyRotation: Type.Boolean({ default: false }),
  /**
   * Deletion protection on the database and the ALB, termination protection on the data stack,
   * and the website bucket kept on deletion. `false` only for a first deploy (infra/README.md,
   * "A first deploy that can be retried"): a failed one then rolls back cleanly and can be rerun.
   */
  deletionProtection: Type.Boolean({ default: true }),
  /**
   * The instances' boot migrates the database as the migration role. Only for a first deploy (an
   * empty database, no instance to run the release's migration step on) and the first release
   * after the per-release migration step was introduced; otherwise a boot only checks the schema.
   */
  bootMigrates: Type.Boolean({ default: false }),
  /**
   * An existing AMI for the shop instances instead of the one the App stack bakes with EC2 Image
   * Builder (e.g. a copy of that image in a recovery region). It must carry what the pipeline
   * installs (shop-image.ts): the boot installs nothing and fails on a missing tool.
   */
  shopImageId: Type.Optional(Type.String({ pattern: '^ami-[0-9a-f]{8,17}$' })),
  /** The cache's node type (e.g. cache.t4g.small) instead of the profile's; every node of the group has it. */
  cacheNodeType: Type.Optional(Type.String({ pattern: '^cache\\.[a-z0-9]+\\.[a-z0-9]+$' })),
  /**
   * Cache replicas besides the primary, spread over the zones; topology's count by default. At least
   * 1 (automatic failover needs a replica), at most 5 (ElastiCache's limit for one shard).
   */
  cacheReplicas: Type.Integer({ minimum: 1, maximum: 5, default: cache.replicas }),
  /**
   * Where the shop runs: `ec2`, an Auto Scaling group of instances booting the bundle; `eks`, pods of
   * the container image on an EKS cluster, deployed by the Helm chart (containers/). Both sit behind
   * the same ALB, CloudFront, database and cache (infra/README.md, "Compute: EC2 or EKS").
   */
  compute: Type.Union([Type.Literal('ec2'), Type.Literal('eks')], { default: 'ec2' }),
  /** With compute=eks: the image tag the deploy workflow pushed to the shop's ECR repository. */
  shopImageTag: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$' })),
  /**
   * With compute=eks: a file holding the RDS certificate bundle of the stack's region (PEM), which
   * the chart mounts for verify-full. The deploy workflow downloads it from the RDS trust store, as
   * the EC2 instances do at boot; a relative path is read from infra/.
   */
  rdsCaBundleFile: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * A planned flash sale, as an ISO 8601 interval in UTC: `2026-12-11T00:00:00Z/2026-12-11T03:00:00Z`.
   * None by default. When set, scheduled actions raise the fleet's min and desired capacity to
   * flashSaleCapacity before it starts and lower the min again when it ends (compute=ec2 only).
   * Both times must still be in the future when deployed: Auto Scaling refuses a start time in the past.
   */
  flashSale: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?Z/\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?Z$' })),
  /** The fleet's min and desired capacity during flashSale; by default what the warm pool is prepared for. */
  flashSaleCapacity: Type.Integer({ minimum: autoScaling.minCapacity, maximum: autoScaling.maxCapacity, default: warmPool.maxGroupPreparedCapacity }),
  /**
   * Disaster recovery in a second region (infra/README.md, "Disaster recovery"). `off` by default: it
   * doubles the standing cost of the network, database and cache. `replica`: a standby copy of the
   * shop in recoveryRegion, its database an RDS cross-region read replica, promoted by
   * `npm run dr -- promote`. `aurora-global` is documented there, not built.
   */
  recovery: Type.Union([Type.Literal('off'), Type.Literal('replica'), Type.Literal('aurora-global')], { default: 'off' }),
  /** Where the standby runs with recovery=replica: Osaka, the other Korean-Japanese region near Seoul. */
  recoveryRegion: Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d$', default: 'ap-northeast-3' }),
  /** With recovery=replica: the ACM certificate in recoveryRegion for its ALB, covering what albCertificateArn covers. */
  recoveryAlbCertificateArn: Type.Optional(Type.String({ pattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/.+$' })),
});

export type ParameterInput = Static<typeof ParametersSchema>;

/** What each cost profile changes. Everything else, including min/max capacity, comes from topology/. */
export interface ProfileSettings {
  readonly natGateways: number;
  readonly instanceType: string;
  /** The EKS nodes' type with compute=eks (each node also runs the cluster's own pods besides the shop's). */
  readonly nodeInstanceType: string;
  readonly databaseInstanceType: string;
  readonly readReplica: boolean;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  /** ElastiCache node type of the cache's primary and replicas. */
  readonly cacheNodeType: string;
}

export const profiles: Readonly<Record<ParameterInput['profile'], ProfileSettings>> = {
  production: {
    natGateways: 2,
    // x86_64 because the bundle ships @node-rs/argon2's linux-x64-gnu binary (see shop/build.mjs).
    instanceType: 'm7i.large',
    nodeInstanceType: 'm7i.large',
    databaseInstanceType: 'm7g.large',
    readReplica: true,
    allocatedStorageGiB: 100,
    maxAllocatedStorageGiB: 500,
    // Not burstable, like the other production classes: a cache that slows down under a sale is the
    // slow-cache case the shop must survive, not one to buy. Its 6 GiB far exceed the catalog and sessions.
    cacheNodeType: 'cache.m7g.large',
  },
  small: {
    natGateways: 1,
    instanceType: 't3.small',
    // Not t3.small: its network interfaces give it 11 pod addresses, fewer than the cluster's own
    // pods (VPC CNI, kube-proxy, CoreDNS, the CSI drivers, the controllers) and the shop's need.
    nodeInstanceType: 't3.medium',
    // The smallest Graviton class that still supports Performance Insights and Multi-AZ.
    databaseInstanceType: 't4g.medium',
    readReplica: false,
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
    // The smallest Graviton node with room (about 1.4 GiB) for the catalog and the sessions.
    cacheNodeType: 'cache.t4g.small',
  },
};

/** The domain settings, all present or all absent. */
export interface DomainParameters {
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  readonly albCertificateArn: string;
  readonly cloudFrontCertificateArn: string;
  /** Where CloudFront and the Route 53 health check reach the ALB directly. */
  readonly apiDomainName: string;
  /** Where shoppers load the SPA from CloudFront. */
  readonly spaDomainName: string;
  /** Where Cognito serves the sign-in pages (managed login). */
  readonly authDomainName: string;
  /** us-east-1 certificate covering authDomainName (parameter authCertificateArn, or cloudFrontCertificateArn). */
  readonly authCertificateArn: string;
}

export interface Parameters {
  readonly profile: ParameterInput['profile'];
  readonly region: string;
  readonly stackPrefix: string;
  readonly settings: ProfileSettings;
  readonly domain?: DomainParameters;
  readonly alarmEmail?: string;
  /** The order notifier's sender: parameter mailFrom, or orders@<domainName>. */
  readonly mailFrom?: string;
  readonly iamDatabaseAuth: boolean;
  readonly secretRotationDays: number;
  readonly originVerifyRotation: boolean;
  readonly deletionProtection: boolean;
  readonly bootMigrates: boolean;
  readonly shopImageId?: string;
  /** Cache replicas besides the primary (settings.cacheNodeType holds the node type). */
  readonly cacheReplicas: number;
  /** The client id of each configured social sign-in provider. */
  readonly identityProviderClientIds: Partial<Record<SocialProviderKey, string>>;
  readonly compute: ParameterInput['compute'];
  /** Present exactly when compute is eks. */
  readonly eks?: EksParameters;
  /** Present when parameter flashSale is set. */
  readonly flashSale?: FlashSale;
  /** Present when parameter recovery is replica. */
  readonly recovery?: RecoveryParameters;
}

/** The recovery region (parameters recovery=replica, recoveryRegion, recoveryAlbCertificateArn). */
export interface RecoveryParameters {
  readonly region: string;
  readonly albCertificateArn: string;
}

/** A planned sale the fleet is scaled up for ahead of time (parameters flashSale, flashSaleCapacity). */
export interface FlashSale {
  /** ISO 8601, UTC. */
  readonly start: string;
  readonly end: string;
  readonly capacity: number;
}

/** What compute=eks adds: the image to run and the certificate bundle the pods verify the database with. */
export interface EksParameters {
  readonly imageTag: string;
  /** The PEM text of rdsCaBundleFile. */
  readonly rdsCaBundle: string;
}

/** The notifier's mailbox on the shop's domain when parameter mailFrom is not given. */
export const defaultMailbox = 'orders';

export class ParameterError extends Error {
  override readonly name = 'ParameterError';
}

/**
 * Validates raw values (strings from `-c`, or typed values from cdk.json) and fills defaults.
 * Throws ParameterError naming the first bad parameter.
 */
export function parseParameters(raw: Record<string, unknown>): Parameters {
  const known = Object.fromEntries(
    Object.keys(ParametersSchema.properties)
      .filter((key) => raw[key] !== undefined && raw[key] !== '')
      .map((key) => [key, raw[key]]),
  );
  const converted = Value.Convert(ParametersSchema, Value.Default(ParametersSchema, known));
  const firstError = Value.Errors(ParametersSchema, converted)[0];
  if (firstError) {
    const name = firstError.instancePath.replace(/^\//, '') || 'parameters';
    throw new ParameterError(`Invalid parameter ${name}: ${firstError.message} (set it with -c ${name}=... or in cdk.json)`);
  }
  const p = converted as ParameterInput;
  const domainKeys = ['domainName', 'hostedZoneId', 'albCertificateArn', 'cloudFrontCertificateArn'] as const;
  const given = domainKeys.filter((k) => p[k] !== undefined);
  if (given.length > 0 && given.length < domainKeys.length) {
    const missing = domainKeys.filter((k) => p[k] === undefined);
    throw new ParameterError(`Invalid parameter ${missing[0]}: a domain needs ${domainKeys.join(', ')}; missing ${missing.join(', ')}`);
  }
  const domain: DomainParameters | undefined =
    p.domainName && p.hostedZoneId && p.albCertificateArn && p.cloudFrontCertificateArn
      ? {
          domainName: p.domainName,
          hostedZoneId: p.hostedZoneId,
          hostedZoneName: p.hostedZoneName ?? p.domainName,
          albCertificateArn: p.albCertificateArn,
          cloudFrontCertificateArn: p.cloudFrontCertificateArn,
          apiDomainName: `api.${p.domainName}`,
          spaDomainName: `www.${p.domainName}`,
          authDomainName: `auth.${p.domainName}`,
          authCertificateArn: p.authCertificateArn ?? p.cloudFrontCertificateArn,
        }
      : undefined;
  if (domain && !`.${domain.domainName}`.endsWith(`.${domain.hostedZoneName}`)) {
    throw new ParameterError(`Invalid parameter hostedZoneName: ${domain.domainName} is not inside ${domain.hostedZoneName}`);
  }
  const eks = p.compute === 'eks' ? eksParameters(p) : undefined;
  const mailFrom = p.mailFrom ?? (domain ? `${defaultMailbox}@${domain.domainName}` : undefined);
  const flashSale = p.flashSale ? flashSaleParameters(p.flashSale, p.flashSaleCapacity) : undefined;
  if (flashSale && p.compute !== 'ec2') throw new ParameterError('Invalid parameter flashSale: its scheduled actions scale the EC2 fleet (compute=ec2)');
  const cacheNodeType = p.cacheNodeType ?? profiles[p.profile].cacheNodeType;
  const recovery = p.recovery === 'off' ? undefined : recoveryParameters(p, domain !== undefined, cacheNodeType);
  return {
    profile: p.profile,
    region: p.region,
    stackPrefix: p.stackPrefix,
    settings: { ...profiles[p.profile], ...(p.cacheNodeType ? { cacheNodeType: p.cacheNodeType } : {}) },
    ...(domain ? { domain } : {}),
    ...(p.alarmEmail ? { alarmEmail: p.alarmEmail } : {}),
    ...(mailFrom ? { mailFrom } : {}),
    iamDatabaseAuth: p.iamDatabaseAuth,
    secretRotationDays: p.secretRotationDays,
    originVerifyRotation: p.originVerifyRotation,
    deletionProtection: p.deletionProtection,
    bootMigrates: p.bootMigrates,
    ...(p.shopImageId ? { shopImageId: p.shopImageId } : {}),
    cacheReplicas: p.cacheReplicas,
    identityProviderClientIds: Object.fromEntries(
      socialProviderOrder.flatMap((key) => {
        const clientId = p[socialProviders[key].parameter];
        return clientId ? [[key, clientId]] : [];
      }),
    ),
    compute: p.compute,
    ...(eks ? { eks } : {}),
    ...(flashSale ? { flashSale } : {}),
    ...(recovery ? { recovery } : {}),
  };
}

function flashSaleParameters(interval: string, capacity: number): FlashSale {
  const [start = '', end = ''] = interval.split('/');
  const [from, to] = [Date.parse(start), Date.parse(end)];
  // Date.parse rolls an impossible day over (02-30 becomes 03-02): the date must read back the same.
  const exists = (text: string, t: number) => Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === text.slice(0, 10);
  if (!exists(start, from) || !exists(end, to)) throw new ParameterError(`Invalid parameter flashSale: "${interval}" holds a date that does not exist`);
  if (to <= from) throw new ParameterError(`Invalid parameter flashSale: the sale must end after it starts, got ${interval}`);
  return { start, end, capacity };
}

/** The standby region's checks: each names the parameter to change. */
function recoveryParameters(p: ParameterInput, withDomain: boolean, cacheNodeType: string): RecoveryParameters {
  if (p.recovery === 'aurora-global') {
    throw new ParameterError(
      'Invalid parameter recovery: aurora-global is documented, not built (infra/README.md, "Disaster recovery": the database would first move from an RDS instance to an Aurora cluster); use replica',
    );
  }
  if (!withDomain)
    throw new ParameterError("Invalid parameter recovery: replica needs a domain (domainName, ...): the regions' load balancers fail over in Route 53 behind api.<domain>");
  if (p.compute !== 'ec2') throw new ParameterError('Invalid parameter recovery: the standby region runs the EC2 fleet (compute=ec2)');
  if (p.recoveryRegion === p.region) throw new ParameterError(`Invalid parameter recoveryRegion: it must differ from region (${p.region})`);
  const certificate = p.recoveryAlbCertificateArn;
  if (!certificate) throw new ParameterError(`Invalid parameter recoveryAlbCertificateArn: recovery=replica needs an ACM certificate in ${p.recoveryRegion} for its ALB`);
  if (certificate.split(':')[3] !== p.recoveryRegion)
    throw new ParameterError(`Invalid parameter recoveryAlbCertificateArn: the certificate must be in ${p.recoveryRegion}, its ALB's region`);
  const cacheProblem = globalDatastoreNodeTypeProblem(cacheNodeType);
  if (cacheProblem) throw new ParameterError(`Invalid parameter cacheNodeType: ${cacheProblem} (set -c cacheNodeType=cache.m7g.large for recovery=replica)`);
  return { region: p.recoveryRegion, albCertificateArn: certificate };
}

/** Where a relative rdsCaBundleFile is read from. */
const infraDir = fileURLToPath(new URL('../', import.meta.url));

function eksParameters(p: ParameterInput): EksParameters {
  if (!p.shopImageTag) throw new ParameterError('Invalid parameter shopImageTag: compute=eks needs the image tag the workflow pushed (set it with -c shopImageTag=...)');
  if (!p.rdsCaBundleFile) {
    throw new ParameterError('Invalid parameter rdsCaBundleFile: compute=eks needs the RDS certificate bundle of the region (set it with -c rdsCaBundleFile=...)');
  }
  let rdsCaBundle: string;
  try {
    rdsCaBundle = readFileSync(path.resolve(infraDir, p.rdsCaBundleFile), 'utf8');
  } catch (err) {
    throw new ParameterError(`Invalid parameter rdsCaBundleFile: cannot read ${p.rdsCaBundleFile} (${(err as Error).message})`);
  }
  if (!rdsCaBundle.includes('-----BEGIN CERTIFICATE-----')) throw new ParameterError(`Invalid parameter rdsCaBundleFile: ${p.rdsCaBundleFile} holds no PEM certificate`);
  return { imageTag: p.shopImageTag, rdsCaBundle };
}

/** Reads the parameters from a construct tree's context. */
export function readParameters(node: Node): Parameters {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ParametersSchema.properties)) raw[key] = node.tryGetContext(key);
  return parseParameters(raw);
}

import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';

/**
 * Named configurations for offline synthesis and the tests. `example` is the production
 * profile with an example domain: placeholder hosted zone and certificate ARNs that only
 * have the right shape (nothing is looked up, so they are never resolved).
 */
export const exampleDomain = {
  domainName: 'shop.example.com',
  hostedZoneId: 'Z0123456789EXAMPLE',
  hostedZoneName: 'example.com',
  albCertificateArn: 'arn:aws:acm:ap-northeast-2:123456789012:certificate/00000000-0000-0000-0000-000000000000',
  cloudFrontCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-1111-1111-1111-111111111111',
} as const;

/** The recovery region's ALB certificate for the `dr` configuration: a placeholder in ap-northeast-3 (Osaka). */
export const exampleRecoveryCertificateArn = 'arn:aws:acm:ap-northeast-3:123456789012:certificate/22222222-2222-2222-2222-222222222222';

/** What compute=eks needs besides the example domain: a tag of the shop's image and a PEM file to read. */
export const exampleEksImage = {
  shopImageTag: '0.1.0-example',
  rdsCaBundleFile: 'test/fixtures/rds-ca-bundle.example.pem',
} as const;

export const configurations = {
  example: { profile: 'production', ...exampleDomain, alarmEmail: 'ops@example.com' },
  'production-no-domain': { profile: 'production' },
  'small-domain': { profile: 'small', ...exampleDomain },
  'small-no-domain': { profile: 'small' },
  // A first deploy (infra/README.md, "A first deploy that can be retried"): no deletion protection,
  // the backup-site bucket emptied and deleted on a rollback, the boot migrating.
  'first-deploy-domain': { profile: 'production', ...exampleDomain, deletionProtection: 'false', bootMigrates: 'true' },
  'first-deploy-no-domain': { profile: 'small', deletionProtection: 'false', bootMigrates: 'true' },
  // The shop on EKS (parameter compute): the production profile and the example domain, an example
  // image tag and a self-signed stand-in for the region's RDS bundle (the workflow downloads the real one).
  eks: { profile: 'production', ...exampleDomain, alarmEmail: 'ops@example.com', compute: 'eks', ...exampleEksImage },
  // The production example with a standby copy in Osaka (parameter recovery, infra/README.md "Disaster recovery").
  dr: { profile: 'production', ...exampleDomain, alarmEmail: 'ops@example.com', recovery: 'replica', recoveryAlbCertificateArn: exampleRecoveryCertificateArn },
} as const satisfies Record<string, Record<string, string>>;

export type ConfigurationName = keyof typeof configurations;

/** The feature flags and settings from cdk.json; a bare App() would lack them (see docs/design.md#cdk-apps-in-tests). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** An App with cdk.json's context plus the given parameters, as `cdk synth -c ...` would build it. */
export function appFor(parameters: Record<string, string>, outdir?: string): App {
  return new App({ context: { ...cdkJsonContext(), ...parameters }, ...(outdir ? { outdir } : {}) });
}

import { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The shop's payment provider on AWS: Toss Payments. The static settings go into the service's
 * environment file as they are; the two keys come from one Secrets Manager secret that the
 * operator fills (infra/README.md, "Deploy"), read by the env step on every instance.
 */
export const tossPayments = {
  provider: 'toss',
  apiUrl: 'https://api.tosspayments.com',
  /** The browser SDK the storefront loads (the SPA's CSP admits it, spa.ts). */
  sdkUrl: 'https://js.tosspayments.com/v2/standard',
  /** The JSON keys of the secret's value. */
  secretKeys: { clientKey: 'clientKey', secretKey: 'secretKey' },
} as const;

export interface PaymentProviderProps {
  /** Retained on stack deletion unless this is a first deploy (parameter deletionProtection). */
  readonly retain: boolean;
}

/**
 * The Toss Payments keys. The secret is created with no value at all (no generated string, no
 * placeholder): until the operator puts `{"clientKey": "...", "secretKey": "..."}`, reading it fails
 * and so does every instance's env step, which is the point: the shop refuses to start without
 * both keys, and a boot that cannot read them must fail loudly rather than start a shop that takes
 * no payments. It lives in the Data stack, which is deployed before the App stack's instances.
 */
export class PaymentProvider extends Construct {
  public readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: PaymentProviderProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'TossSecret', {
      description: 'Evermall: Toss Payments API keys, JSON {"clientKey": "...", "secretKey": "..."}, put by the operator (infra/README.md)',
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // aws-cdk-lib's Secret always asks CloudFormation to generate a value; without
    // GenerateSecretString and SecretString the secret is created with no version until the
    // operator puts one (not exercised on AWS: infra/README.md).
    (this.secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
  }
}

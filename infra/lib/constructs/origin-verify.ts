import { SecretValue } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface OriginVerifyProps {
  /** During a rotation (parameter originVerifyRotation) the ALB accepts the previous value too. */
  readonly rotating: boolean;
}

/**
 * The secret CloudFront sends to the ALB in the origin header, and which the ALB requires before
 * it forwards to the shop. Both read it through CloudFormation dynamic references
 * (`{{resolve:secretsmanager:...}}`), so the value is never in a template; CloudFormation resolves
 * them only when it updates the resource, which is why a rotation is a put-secret-value followed
 * by two deploys (infra/README.md, "Rotating the CloudFront origin secret").
 *
 * The stage labels are written out during a rotation and left out otherwise: the reference text
 * changes both ways, so each deploy makes CloudFormation resolve the value again.
 */
export class OriginVerify extends Construct {
  public readonly secret: secretsmanager.Secret;
  private readonly rotating: boolean;

  constructor(scope: Construct, id: string, props: OriginVerifyProps) {
    super(scope, id);
    this.rotating = props.rotating;
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Evermall: the origin header CloudFront sends and the ALB requires (rotation: infra/README.md)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
  }

  /** What the ALB accepts: the current value, and during a rotation the previous one too. */
  albValues(): string[] {
    if (!this.rotating) return [this.secret.secretValue.unsafeUnwrap()];
    return ['AWSCURRENT', 'AWSPREVIOUS'].map((versionStage) => SecretValue.secretsManager(this.secret.secretArn, { versionStage }).unsafeUnwrap());
  }

  /** What CloudFront sends: always the current value. */
  static cloudFrontValue(secret: secretsmanager.ISecret, rotating: boolean): string {
    return (rotating ? SecretValue.secretsManager(secret.secretArn, { versionStage: 'AWSCURRENT' }) : secret.secretValue).unsafeUnwrap();
  }
}

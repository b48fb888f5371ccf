import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';

/** Images kept besides the newest: enough to roll back a few releases (the deploy workflow's rollback redeploys the previous one). */
export const keptImages = 20;

/**
 * The shop's container images (containers/Dockerfile), pushed by the deploy workflow with compute=eks
 * and pulled by the EKS nodes. Every push is scanned for vulnerabilities (ECR User Guide, "Image
 * scanning": basic scanning on push); tags are immutable, so the tag the chart names is always the
 * image that was scanned. It lives in the Data stack so that it exists before the workflow pushes
 * and before the App stack's cluster pulls.
 */
export class ShopRegistry extends Construct {
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.repository = new ecr.Repository(this, 'Repository', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      // The running release's image must outlive a stack replacement.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { description: 'Untagged layers of interrupted pushes', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(7), rulePriority: 1 },
        { description: `The newest ${keptImages} releases`, tagStatus: ecr.TagStatus.ANY, maxImageCount: keptImages, rulePriority: 2 },
      ],
    });
  }
}

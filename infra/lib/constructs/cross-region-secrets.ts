import { Fn } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * Replicates a primary-region secret into the recovery region (Secrets Manager User Guide,
 * "Replicate AWS Secrets Manager secrets across Regions"): the replica keeps the secret's name and
 * every new value, so a rotation in the primary region reaches the standby, whose instances read
 * the replica. It is read-only until `npm run dr -- promote` stops its replication
 * (StopReplicationToReplica, called in the replica's region, which works with the primary region down).
 */
export function replicateSecret(secret: secretsmanager.Secret, region: string): void {
  secret.addReplicaRegion(region);
}

/**
 * The Secret construct an attached secret (`DatabaseSecret.attach()`) or a generated login stands
 * for: replica regions are a property of the secret itself.
 */
export function secretConstruct(scope: Construct, id: string): secretsmanager.Secret {
  const child = scope.node.tryFindChild(id);
  if (!(child instanceof secretsmanager.Secret)) throw new Error(`${scope.node.path}/${id} is not a Secrets Manager secret`);
  return child;
}

/**
 * A replica's ARN: the primary's with the region swapped (arn:partition:secretsmanager:region:
 * account:secret:name-suffix; the random suffix is the same). Computed by CloudFormation from the
 * primary's ARN, which reaches the recovery region's stacks through a cross-region reference.
 */
export function replicaSecretArn(primaryArn: string, region: string): string {
  const parts = Fn.split(':', primaryArn, 7);
  return Fn.join(':', [Fn.select(0, parts), Fn.select(1, parts), Fn.select(2, parts), region, Fn.select(4, parts), Fn.select(5, parts), Fn.select(6, parts)]);
}

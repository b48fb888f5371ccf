import { CloudFormationClient, CloudFormationServiceException } from '@aws-sdk/client-cloudformation';
import { EFSClient, EFSServiceException } from '@aws-sdk/client-efs';
import { ElasticLoadBalancingV2Client, ElasticLoadBalancingV2ServiceException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElastiCacheClient, ElastiCacheServiceException } from '@aws-sdk/client-elasticache';
import { RDSClient, RDSServiceException, type RDSClientConfig } from '@aws-sdk/client-rds';
import { SecretsManagerClient, SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';

/**
 * The AWS SDK v3 clients the promotion (recovery-promotion.ts) sends its calls with, one per
 * service, all for the recovery region: the promotion runs while the primary region may be gone,
 * so it never calls another region.
 */
export interface RecoveryClients {
  readonly region: string;
  readonly cloudFormation: CloudFormationClient;
  readonly rds: RDSClient;
  readonly elastiCache: ElastiCacheClient;
  readonly secretsManager: SecretsManagerClient;
  readonly efs: EFSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
}

/**
 * Client settings besides the region. Left out, each client takes the SDK's defaults: the default
 * credential chain (AWS_PROFILE, environment, SSO, instance role) and its HTTP handler. A test passes
 * static credentials and a request handler that answers without the network.
 */
export type RecoveryClientConfig = Pick<RDSClientConfig, 'credentials' | 'requestHandler'>;

export function recoveryClients(region: string, config: RecoveryClientConfig = {}): RecoveryClients {
  const settings = { ...config, region };
  return {
    region,
    cloudFormation: new CloudFormationClient(settings),
    rds: new RDSClient(settings),
    elastiCache: new ElastiCacheClient(settings),
    secretsManager: new SecretsManagerClient(settings),
    efs: new EFSClient(settings),
    elbv2: new ElasticLoadBalancingV2Client(settings),
  };
}

/** A failure the CLI reports in one line; `code` is stable for scripts and tests. */
export class DrError extends Error {
  override readonly name = 'DrError';
  constructor(
    readonly code:
      'DR_USAGE' | 'DR_NO_CREDENTIALS' | 'DR_AWS_CALL_FAILED' | 'DR_NOT_A_STANDBY' | 'DR_UNEXPECTED_ANSWER' | 'DR_WAIT_TIMEOUT' | 'DR_STACK_UPDATE_FAILED' | 'DR_NOT_CONFIRMED',
    message: string,
  ) {
    super(message);
  }
}

const serviceExceptions = [
  CloudFormationServiceException,
  RDSServiceException,
  ElastiCacheServiceException,
  SecretsManagerServiceException,
  EFSServiceException,
  ElasticLoadBalancingV2ServiceException,
];

const rerun = 'run the promotion again once that is fixed (finished steps are skipped)';

/**
 * The failures a person running the promotion can act on, as DrErrors: no credentials (the SDK's
 * credential chain found none), an AWS answer refusing a call (AccessDenied, an expired token, a
 * resource in the wrong state), an AWS endpoint not reached. Anything else is a fault of this
 * script and is left to propagate with its stack.
 */
export function asDrError(err: unknown): DrError | undefined {
  if (err instanceof DrError) return err;
  if (!(err instanceof Error)) return undefined;
  // @smithy/property-provider's CredentialsProviderError, thrown when the client signs its first request.
  if (err.name === 'CredentialsProviderError') {
    return new DrError(
      'DR_NO_CREDENTIALS',
      `no AWS credentials (${err.message}): set AWS_PROFILE (after aws sso login) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the shop's account`,
    );
  }
  if (serviceExceptions.some((exception) => err instanceof exception)) return new DrError('DR_AWS_CALL_FAILED', `AWS answered ${err.name}: ${err.message}; ${rerun}`);
  // The SDK's retry middleware adds $metadata to any failure of a send, an unreachable endpoint included.
  if ('$metadata' in err) return new DrError('DR_AWS_CALL_FAILED', `AWS was not reached (${err.message}); ${rerun}`);
  return undefined;
}

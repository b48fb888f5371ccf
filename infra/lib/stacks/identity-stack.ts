import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SocialProviderKey } from '../constructs/identity-providers.js';
import { UserPool, type SignInDomain } from '../constructs/user-pool.js';

export interface IdentityStackProps extends StackProps {
  readonly stackPrefix: string;
  /** The shop's public origin: https://www.<domain>, or the CloudFront domain (Edge stack) without one. */
  readonly shopOrigin: string;
  readonly domain?: SignInDomain;
  readonly identityProviderClientIds: Partial<Record<SocialProviderKey, string>>;
  /** Deletion protection on the user pool (parameter deletionProtection). */
  readonly deletionProtection: boolean;
}

/**
 * Sign-in: the Cognito user pool, its managed login domain, social providers and the shop's app
 * client. Deployed last in its region: the app client's redirect URL names the shop's public
 * origin, which without a domain is the CloudFront distribution (Edge), and Cognito creates a
 * custom domain only once its parent domain resolves (the apex record, Failover). The instances
 * find the client by the secret's fixed name, so the App stack does not depend on this one.
 */
export class IdentityStack extends Stack {
  public readonly userPool: UserPool;

  constructor(scope: Construct, id: string, props: IdentityStackProps) {
    super(scope, id, props);
    this.userPool = new UserPool(this, 'UserPool', {
      stackPrefix: props.stackPrefix,
      shopOrigin: props.shopOrigin,
      ...(props.domain ? { domain: props.domain } : {}),
      identityProviderClientIds: props.identityProviderClientIds,
      retain: props.deletionProtection,
    });
  }
}

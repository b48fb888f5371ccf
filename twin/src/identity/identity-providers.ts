import path from 'node:path';
import type { TwinPaths } from '../config/paths.js';
import { identitySettings } from '../config/twin-settings.js';
import type { EventLog } from '../events.js';
import { ProviderProcess, type ProviderProcessStatus } from './provider-process.js';

/** What every instance gets to sign people in (ServiceHost.oidc in @evermall/shop/release). */
export interface SignInSettings {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  /** `key:PoolName` pairs: the shop's /api/auth/oidc/kakao/start asks the pool for identity_provider=Kakao. */
  providers: string;
}

/** The sign-in providers as the status page shows them. */
export interface IdentityStatus {
  userPool: ProviderProcessStatus & { signInUrl: string };
  socialIdp: ProviderProcessStatus & { displayName: string };
}

export interface IdentityProvidersOptions {
  paths: TwinPaths;
  ports: { userPool: number; socialIdp: number };
  /** What a browser uses: the shop's callback and post-sign-out pages are on it. */
  frontDoorUrl: string;
  secrets: { shopAtUserPool: string; userPoolAtSocialIdp: string };
  events: EventLog;
}

/** The social IdP's name in `identity_provider` and in the `identities` claim, and the shop's key for it. */
const KAKAO = { key: 'kakao', name: 'Kakao', displayName: 'Kakao (stand-in)' } as const;
const SHOP_CLIENT_ID = 'evermall-shop';
const USER_POOL_CLIENT_ID = 'evermall-user-pool';

/**
 * The twin's Amazon Cognito user pool and the Kakao behind it: the test kit's OpenID Connect
 * providers, each a process of its own on its own loopback address (identitySettings), with data
 * under the state dir (identity/pool, identity/social) and client secrets kept in twin.json. The
 * shop is the pool's client, with its callback on the front door; the pool is Kakao's client.
 * No users are seeded: people and journeys create Kakao accounts on its sign-up page.
 */
export class IdentityProviders {
  readonly userPool: ProviderProcess;
  readonly socialIdp: ProviderProcess;

  constructor(private readonly options: IdentityProvidersOptions) {
    const { paths, ports, frontDoorUrl, secrets, events } = options;
    this.socialIdp = new ProviderProcess({
      role: 'social',
      label: 'social IdP (Kakao stand-in)',
      host: identitySettings.socialIdpHost,
      port: ports.socialIdp,
      dataDir: paths.identity.social.data,
      configFile: paths.identity.social.config,
      logFile: path.join(paths.logs, 'social-idp.log'),
      events,
      config: {
        displayName: KAKAO.displayName,
        clients: [{ clientId: USER_POOL_CLIENT_ID, clientSecret: secrets.userPoolAtSocialIdp, redirectUris: [`${this.poolIssuer}/federation/callback`] }],
      },
    });
    this.userPool = new ProviderProcess({
      role: 'pool',
      label: 'user pool (Cognito stand-in)',
      host: identitySettings.userPoolHost,
      port: ports.userPool,
      dataDir: paths.identity.pool.data,
      configFile: paths.identity.pool.config,
      logFile: path.join(paths.logs, 'user-pool.log'),
      events,
      config: {
        clients: [
          {
            clientId: SHOP_CLIENT_ID,
            clientSecret: secrets.shopAtUserPool,
            redirectUris: [this.settings.redirectUrl],
            postLogoutRedirectUris: [`${frontDoorUrl}/`],
          },
        ],
        social: [{ name: KAKAO.name, issuer: this.socialIdp.issuer, clientId: USER_POOL_CLIENT_ID, clientSecret: secrets.userPoolAtSocialIdp }],
      },
    });
  }

  /** Known before either starts: instances and the shop CLI load the same configuration. */
  get settings(): SignInSettings {
    const { frontDoorUrl, secrets } = this.options;
    return {
      issuerUrl: this.poolIssuer,
      clientId: SHOP_CLIENT_ID,
      clientSecret: secrets.shopAtUserPool,
      redirectUrl: `${frontDoorUrl}/api/auth/oidc/callback`,
      providers: `${KAKAO.key}:${KAKAO.name}`,
    };
  }

  /** Where a person starts a Kakao sign-in: the shop's start route, which sends the browser to the pool with identity_provider=Kakao. */
  get signInUrl(): string {
    return `${this.options.frontDoorUrl}/api/auth/oidc/${KAKAO.key}/start`;
  }

  async start(): Promise<void> {
    await Promise.all([this.socialIdp.start(), this.userPool.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.userPool.stop(), this.socialIdp.stop()]);
  }

  pids(): number[] {
    return [this.userPool.pid, this.socialIdp.pid].filter((pid): pid is number => pid !== undefined);
  }

  status(): IdentityStatus {
    return { userPool: { ...this.userPool.status(), signInUrl: this.signInUrl }, socialIdp: { ...this.socialIdp.status(), displayName: KAKAO.displayName } };
  }

  private get poolIssuer(): string {
    return `http://${identitySettings.userPoolHost}:${this.options.ports.userPool}`;
  }
}

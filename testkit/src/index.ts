export { systemPaths } from './system-paths.js';
export { freePort } from './free-port.js';
export { postgresOwner, systemUser, ownedDir, type Owner } from './system-user.js';
export { PostgresServer, type PostgresServerOptions } from './postgres-server.js';
export { launchChromium } from './chromium.js';
export { CookieJar } from './cookie-jar.js';
export { runPgbench, PGBENCH_ORDER_KEY_PREFIX, type PgbenchOptions } from './pgbench.js';
export {
  startTossStandin,
  paymentWindowForm,
  type PaymentWindowRequest,
  TOSS_STANDIN_CARDS,
  TossStandinError,
  type TossStandin,
  type TossStandinOptions,
  type StandinFaults,
  type StandinPayment,
  type StandinPaymentStatus,
  type StandinCancel,
  type ConfirmFault,
} from './toss-standin/toss-standin.js';
export { startSocialIdp, type SocialIdp, type SocialIdpOptions } from './oidc/social-idp.js';
export { startUserPool, type UserPool, type UserPoolOptions } from './oidc/user-pool.js';
export type { OidcServer, OidcClientRegistration } from './oidc/provider-host.js';
export type { OidcUser } from './oidc/user-directory.js';
export type { SocialProvider } from './oidc/social-federation.js';
export { ProviderBrowser, type ProviderVisit } from './oidc/provider-browser.js';
export { oidcServeScript, type OidcServeConfig } from './oidc/serve.js';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis/redis-server.js';
export { startRabbitmqServer, type RabbitmqServer } from './rabbitmq/rabbitmq-server.js';
export {
  acceptsConnections,
  answersAmqp,
  epmdBinary,
  rabbitmqBinary,
  rabbitmqNodeEnvironment,
  rabbitmqOwner,
  writeRabbitmqNodeFiles,
  type RabbitmqNodeSpec,
} from './rabbitmq/rabbitmq-node.js';

import { staffGroupName } from '../../lambda/staff-mfa/handler.js';
import { appPort, drainSeconds, shutdownBoundSeconds } from '@evermall/topology';
import {
  backupSiteDir,
  databaseCredentialsFile,
  releaseFiles,
  serviceCommand,
  serviceEnvironment,
  serviceSandbox,
  serviceUser,
  writableDirectories,
  type ServiceDirectories,
} from '@evermall/shop/release';
import { backupSiteUploadCheckSeconds, backupSiteUploadScript } from './backup-site-upload.js';
import { cachePort } from './cache.js';
import { instanceMetrics } from './observability.js';
import { tossPayments } from './payment-provider.js';
import { shopClientSecretKeys } from './user-pool.js';
import { shopImagePackages } from './shop-image.js';

/** Values the bootstrap script needs; in the template they are CloudFormation references. */
export interface ShopUserDataInputs {
  readonly region: string;
  readonly stackName: string;
  /** Logical id of the Auto Scaling group, for cfn-signal during CloudFormation updates. */
  readonly autoScalingGroupLogicalId: string;
  /** The group's (fixed) name, for completing the launch lifecycle hook. */
  readonly autoScalingGroupName: string;
  readonly bundleBucket: string;
  readonly bundleKey: string;
  readonly fileSystemId: string;
  readonly accessPointId: string;
  /** The shop's login (alternating users), refreshed into DATABASE_CREDENTIALS_FILE by the env step. */
  readonly appSecretArn: string;
  /** The migration role's login: the bootstrap's `shop migrate`. */
  readonly migratorSecretArn: string;
  /** Catalog reads; the writer's endpoint when there is no replica. */
  readonly readerHost?: string;
  readonly sessionSecretArn: string;
  /** The Toss Payments keys, JSON {clientKey, secretKey}, put by the operator. */
  readonly paymentSecretArn: string;
  /** The cache's AUTH token (a plain string), written into the environment as CACHE_PASSWORD. */
  readonly cacheAuthSecretArn: string;
  /** The cache's primary endpoint (follows a failover), written as CACHE_URL. */
  readonly cacheHost: string;
  /**
   * The fixed name of the secret holding the shop's Cognito app client (Identity stack, deployed
   * after this one): JSON with shopClientSecretKeys. Until it exists the shop starts with local
   * accounts only.
   */
  readonly shopClientSecretName: string;
  readonly backupBucket: string;
  readonly logGroupName: string;
  /** Origins besides the request's own host that may post with cookies (the SPA domain). */
  readonly allowedOrigins: string;
  /** The VPC's CIDR range: the ALB's nodes connect to the instances from addresses in it. */
  readonly vpcCidr: string;
  /**
   * The boot migrates as the migration role (a first deploy: parameter bootMigrates). Otherwise
   * the deploy migrates once per release (`evermall-migrate`, run by infra/scripts/migrate-release.sh)
   * and a boot only checks that the schema is current.
   */
  readonly bootMigrates: boolean;
  /** The order events topic's ARN (OrderEvents): the shop's outbox relay publishes there (EVENT_BROKER_URL). */
  readonly eventBrokerUrl: string;
  /** The media bucket's name (MediaPipeline, in this region): the shop's uploads go there (MEDIA_BUCKET). */
  readonly mediaBucket: string;
}

/**
 * Where the CloudWatch agent on every instance receives the shop's spans and sends them on to
 * X-Ray: OTLP on loopback, HTTP on 4318 and gRPC on 4317, OTLP's ports and the agent's defaults
 * (CloudWatch User Guide, "Collect metrics and traces with OpenTelemetry"). The agent's policy,
 * CloudWatchAgentServerPolicy on the instance role, includes xray:PutTraceSegments.
 */
export const otlpReceiver = { http: '127.0.0.1:4318', grpc: '127.0.0.1:4317' } as const;

/** The per-release migration step's script on every instance, run through SSM Run Command by the deploy. */
export const migrateCommand = '/usr/local/bin/evermall-migrate';

/** The shop's log level on an instance: not info, which logs every request. */
export const instanceLogLevel = 'warn';

/** The shop log's rotation: the most it may take of the 16 GiB root volume is keep × maxSize. */
export const logRotation = { maxSize: '200M', keep: 5 } as const;

/** The RDS certificate bundle every connection to the database is verified against (sslmode=verify-full). */
export const rdsCaBundle = {
  // RDS User Guide, "Using SSL/TLS to encrypt a connection to a DB instance or cluster": certificate bundles for all AWS Regions.
  url: 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem',
  path: '/etc/evermall/rds-global-bundle.pem',
} as const;

/**
 * How often the env step re-reads the app's database login. Any delay up to the rotation period
 * is safe: the alternating-users rotation leaves the previous user's password alone until the next one.
 */
export const databaseLoginRefreshMinutes = 5;

/** The launch lifecycle hook the bootstrap completes once the shop answers /healthz. */
export const launchReadyHookName = 'evermall-shop-ready';

/** How long a launching instance may take to become healthy before Auto Scaling abandons it. */
export const launchReadyTimeoutSeconds = 900;

/**
 * Completes the launch hook at every boot after the first: an instance leaving the warm pool is
 * started again, and user data runs only at the first boot (cloud-init's default), so without this
 * it would wait in Pending:Wait until the hook's timeout abandoned it.
 */
export const launchReadyUnit = 'evermall-launch-ready.service';

/**
 * Where Auto Scaling is taking the instance, from instance metadata: `InService`, or `Warmed:Stopped`
 * while it boots into the warm pool (EC2 Auto Scaling User Guide, "Warm pools", target lifecycle state).
 */
export const targetStateCommand = '/usr/local/bin/evermall-target-state';

/** The service's directories on an instance (shop/src/release/service.ts says what each is for). */
export const instanceDirectories: ServiceDirectories = {
  release: '/opt/evermall/current',
  state: '/var/lib/evermall',
  media: '/var/lib/evermall/media',
  logs: '/var/log/evermall',
  // Written by the env step (root's, group evermall, 0750); a tmpfs, so no login outlives a reboot.
  secrets: '/run/evermall',
};

/** Where things live on an instance. */
export const instancePaths = {
  app: instanceDirectories.release,
  media: instanceDirectories.media,
  backupSite: backupSiteDir(instanceDirectories),
  env: '/run/evermall/shop.env',
  log: `${instanceDirectories.logs}/shop.log`,
} as const;

/**
 * systemd waits this long for the shop to stop after SIGTERM before it sends SIGKILL. It must
 * exceed the shop's own bound (drain + finishing in-flight requests), or systemd would cut the
 * drain short on every scale-in and instance refresh.
 */
export const stopTimeoutSeconds = shutdownBoundSeconds + 15;

/**
 * The bootstrap script of a shop instance on the shop's image (Amazon Linux 2023 with the packages
 * it uses, shop-image.ts; nothing is installed at boot): EFS over TLS,
 * the release (bundle and its own Node runtime) from its S3 asset, the environment from Secrets
 * Manager and instance metadata, the shop under systemd, the backup-site upload, then cfn-signal
 * once /healthz answers.
 */
export function renderShopUserData(i: ShopUserDataInputs): string {
  const upload = backupSiteUploadScript({
    awsCli: '/usr/bin/aws',
    bucket: i.backupBucket,
    region: i.region,
    directories: instanceDirectories,
    metricDimension: { name: 'AutoScalingGroupName', value: i.autoScalingGroupName },
  });
  const { runtime } = releaseFiles(instanceDirectories.release);
  // ZONE and INSTANCE_ID are shell variables, expanded when the unit file is written.
  const environment = {
    ...serviceEnvironment({
      zone: '$AVAILABILITY_ZONE',
      instanceId: '$INSTANCE_ID',
      host: '0.0.0.0',
      port: appPort,
      directories: instanceDirectories,
      cookieSecure: true,
      allowedOrigins: i.allowedOrigins,
      // One line per request at info would fill the 16 GiB root volume on a busy day; warn keeps
      // errors and anomalies (the log is also rotated, below).
      logLevel: instanceLogLevel,
      // CloudFront then the ALB, each appending the address it was reached from to X-Forwarded-For:
      // CloudFront the viewer's (CloudFront Developer Guide, "Request and response behavior for custom
      // origins", Client IP addresses), the ALB CloudFront's, in its default `append` mode (ELB User
      // Guide, "HTTP headers and Application Load Balancers", X-Forwarded-For). So the client is the
      // second entry from the right; entries further left are the client's own and are ignored. The
      // nearest proxy, the ALB, connects from inside the VPC (instances admit only its security group).
      // This holds while every request comes through CloudFront: without a domain the ALB forwards
      // only requests carrying CloudFront's origin-verify header (load-balancer.ts); with one, a client
      // reaching the ALB directly can choose one entry, which the per-account limits still cover.
      proxies: { nearestAddresses: i.vpcCidr, hops: 2 },
      // Uploads go to the media bucket, whose ObjectCreated events run the resize function, and images are served from it.
      mediaBucket: { name: i.mediaBucket, region: i.region },
    }),
    EVENT_BROKER_URL: i.eventBrokerUrl,
    // The standard OpenTelemetry variable: the OTLP/HTTP exporter sends to <endpoint>/v1/traces.
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${otlpReceiver.http}`,
  };
  const { name: user, uid, gid } = serviceUser;
  // ec2.UserData.forLinux() adds the #!/bin/bash line.
  return `# Evermall shop instance bootstrap (Amazon Linux 2023). Output: /var/log/evermall-bootstrap.log
set -euo pipefail
exec > >(tee -a /var/log/evermall-bootstrap.log) 2>&1

signal() {
  # Tells CloudFormation whether this instance came up, during stack creates and rolling updates.
  /opt/aws/bin/cfn-signal --exit-code "$1" --stack '${i.stackName}' --resource '${i.autoScalingGroupLogicalId}' --region '${i.region}' || true
}
trap 'signal 1' ERR

# Nothing is installed at boot, so a scale-out never waits on a package repository: the image
# (EC2 Image Builder, infra/lib/constructs/shop-image.ts) carries the EFS mount helper, the CloudWatch
# agent, cfn-signal, unzip and logrotate, and the release brings its own Node (shop/build.mjs).
for tool in ${shopImagePackages.map((p) => p.provides).join(' ')}; do
  [ -x "$tool" ] || { echo "$tool is missing: this AMI was not built from the shop image recipe (shop-image.ts)"; signal 1; exit 1; }
done

# Identity from instance metadata; the launch template requires IMDSv2 tokens.
IMDS_TOKEN=$(curl -sfX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
imds() { curl -sf -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" "http://169.254.169.254/latest/meta-data/$1"; }
AVAILABILITY_ZONE=$(imds placement/availability-zone)
INSTANCE_ID=$(imds instance-id)

# The target lifecycle state, for this boot and every later one (an instance of the warm pool boots
# once into the pool and again when a scale-out takes it): the env step and the launch hook read it.
cat > ${targetStateCommand} <<'STATE'
#!/bin/bash
token=$(curl -sfX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') || { echo InService; exit 0; }
curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/autoscaling/target-lifecycle-state || echo InService
STATE
chmod 0755 ${targetStateCommand}
TARGET_STATE=$(${targetStateCommand})
echo "target lifecycle state: $TARGET_STATE"

getent group ${user} >/dev/null || groupadd --system --gid ${gid} ${user}
id ${user} >/dev/null 2>&1 || useradd --system --uid ${uid} --gid ${gid} --home-dir /opt/evermall --shell /sbin/nologin ${user}

# The media file system (EFS), mounted over TLS with IAM through the media access point. The shop keeps
# product images in the media bucket (MEDIA_BUCKET); this holds those of deployments from before that,
# until an operator copies them into the bucket (infra/README.md). The fstab line mounts it again after
# a reboot (EFS User Guide, "Mounting EFS file systems automatically").
mkdir -p ${instancePaths.media}
grep -q '${i.fileSystemId}:/ ' /etc/fstab || echo '${i.fileSystemId}:/ ${instancePaths.media} efs _netdev,noresvport,tls,iam,accesspoint=${i.accessPointId} 0 0' >> /etc/fstab
mountpoint -q ${instancePaths.media} || mount -t efs -o tls,iam,accesspoint=${i.accessPointId} ${i.fileSystemId}:/ ${instancePaths.media}

# The release: an S3 asset built by shop/build.mjs (esbuild bundle plus its Node runtime), root's and read-only to the shop.
aws s3 cp 's3://${i.bundleBucket}/${i.bundleKey}' /tmp/shop-bundle.zip --region '${i.region}'
rm -rf ${instancePaths.app} && mkdir -p ${instancePaths.app}
unzip -q /tmp/shop-bundle.zip -d ${instancePaths.app}
rm -f /tmp/shop-bundle.zip
chmod 0755 ${runtime}
mkdir -p ${instanceDirectories.state} ${instanceDirectories.logs}
chown ${user}:${user} ${instanceDirectories.state} ${instanceDirectories.logs}

# The RDS CA bundle, so the shop verifies the database's certificate and host name (sslmode=verify-full),
# fetched from the documented address (RDS User Guide, "Using SSL/TLS to encrypt a connection to a DB
# instance or cluster", certificate bundles for all AWS Regions). No npm package ships it.
install -d -m 0755 $(dirname ${rdsCaBundle.path})
curl -sSf --retry 5 -o ${rdsCaBundle.path}.new '${rdsCaBundle.url}'
grep -q 'BEGIN CERTIFICATE' ${rdsCaBundle.path}.new && mv ${rdsCaBundle.path}.new ${rdsCaBundle.path}

# The env step: the service's environment and its database login from Secrets Manager. It runs before
# every start (ExecStartPre) and every ${databaseLoginRefreshMinutes} minutes (evermall-db-login.timer), so the login file
# follows the alternating-users rotation; the shop reads it for every new connection
# (DATABASE_CREDENTIALS_FILE) and needs no restart. The URLs carry no password.
cat > /usr/local/bin/evermall-write-env <<'ENVSCRIPT'
#!/bin/bash
set -euo pipefail
umask 077
install -d -m 0750 -o root -g ${user} ${instanceDirectories.secrets}
app=$(aws secretsmanager get-secret-value --region '${i.region}' --secret-id '${i.appSecretArn}' --query SecretString --output text)
session=$(aws secretsmanager get-secret-value --region '${i.region}' --secret-id '${i.sessionSecretArn}' --query SecretString --output text)
payment=$(aws secretsmanager get-secret-value --region '${i.region}' --secret-id '${i.paymentSecretArn}' --query SecretString --output text) || { echo "cannot read the Toss Payments keys: put them first (infra/README.md, Deploy)" >&2; exit 1; }
cache=$(aws secretsmanager get-secret-value --region '${i.region}' --secret-id '${i.cacheAuthSecretArn}' --query SecretString --output text)
# The sign-in client exists once the Identity stack is deployed (after this one); until then the shop
# runs with local accounts only. Any other failure to read it stops the step.
err=$(mktemp)
if ! oidc=$(aws secretsmanager get-secret-value --region '${i.region}' --secret-id '${i.shopClientSecretName}' --query SecretString --output text 2>"$err"); then
  if grep -q ResourceNotFoundException "$err"; then oidc=''; echo "no sign-in client yet (${i.shopClientSecretName}): local accounts only until the Identity stack is deployed and the shop restarts" >&2; else cat "$err" >&2; rm -f "$err"; exit 1; fi
fi
rm -f "$err"
APP_SECRET="$app" SESSION_SECRET_VALUE="$session" PAYMENT_SECRET="$payment" OIDC_CLIENT="$oidc" CACHE_AUTH="$cache" CACHE_HOST='${i.cacheHost}' READER_HOST='${i.readerHost ?? ''}' ${runtime} -e '
  const fs = require("node:fs");
  const s = JSON.parse(process.env.APP_SECRET);
  // The shop refuses to start with an empty key; a value that could break the environment file is refused here.
  const toss = JSON.parse(process.env.PAYMENT_SECRET);
  const key = (name) => {
    const value = toss[name];
    if (typeof value !== "string" || !/^[A-Za-z0-9_-]+$/.test(value)) {
      console.error("the Toss Payments secret needs a non-empty " + name + " (letters, digits, _ and -): put it first (infra/README.md, Deploy)");
      process.exit(1);
    }
    return value;
  };
  const payment = ["PAYMENT_PROVIDER=${tossPayments.provider}", "TOSS_API_URL=${tossPayments.apiUrl}", "TOSS_SDK_URL=${tossPayments.sdkUrl}",
    "TOSS_CLIENT_KEY=" + key("${tossPayments.secretKeys.clientKey}"), "TOSS_SECRET_KEY=" + key("${tossPayments.secretKeys.secretKey}")];
  // The Cognito app client of the shop, written by CloudFormation; a value that could break the environment file is refused (no quote here: bash quotes this script).
  const oidc = process.env.OIDC_CLIENT ? JSON.parse(process.env.OIDC_CLIENT) : null;
  const oidcValue = (name, pattern) => {
    const value = oidc[name];
    if (typeof value !== "string" || !pattern.test(value)) {
      console.error("the sign-in client secret (${i.shopClientSecretName}) has no usable " + name + ": redeploy the Identity stack (infra/README.md, Sign-in)");
      process.exit(1);
    }
    return value;
  };
  const token = /^[^\\s"\\x27\\\\]+$/;
  const signIn = oidc ? ["OIDC_ISSUER_URL=" + oidcValue("${shopClientSecretKeys.issuerUrl}", token), "OIDC_CLIENT_ID=" + oidcValue("${shopClientSecretKeys.clientId}", token),
    "OIDC_CLIENT_SECRET=" + oidcValue("${shopClientSecretKeys.clientSecret}", token), "OIDC_REDIRECT_URL=" + oidcValue("${shopClientSecretKeys.redirectUrl}", token),
    "OIDC_PROVIDERS=" + oidcValue("${shopClientSecretKeys.providers}", /^([a-z]+:[A-Za-z]+(,[a-z]+:[A-Za-z]+)*)?$/),
    // The staff group of the pool (its members must use MFA, the pre-token trigger): sessions of its members are staff in the shop.
    "OIDC_STAFF_GROUP=${staffGroupName}"] : [];
  // The cache: the primary endpoint over TLS (rediss: ElastiCache presents a certificate from a
  // public Amazon CA, which Node trusts by default) with no password in the URL, and the AUTH token
  // beside it. The token is not rotated, so an environment value is enough (infra/README.md, Cache tier).
  const cacheToken = process.env.CACHE_AUTH || "";
  if (cacheToken.length < 16 || cacheToken.length > 128 || !token.test(cacheToken) || !/^[a-z0-9.-]+$/.test(process.env.CACHE_HOST || "")) {
    console.error("the cache AUTH token must be 16 to 128 characters without spaces, quotes or backslashes, and the cache needs an endpoint: redeploy the Data stack (infra/README.md, Cache tier)");
    process.exit(1);
  }
  const cache = ["CACHE_URL=rediss://" + process.env.CACHE_HOST + ":${cachePort}", "CACHE_PASSWORD=" + cacheToken];
  const url = (host) => "postgres://" + encodeURIComponent(s.username) + "@" + host + ":" + s.port + "/" + s.dbname + "?sslmode=verify-full&sslrootcert=${rdsCaBundle.path}";
  const write = (file, text, mode, gid) => {
    fs.writeFileSync(file + ".new", text, { mode });
    fs.chownSync(file + ".new", 0, gid);
    fs.renameSync(file + ".new", file);
  };
  write("${instancePaths.env}", ["DATABASE_URL=" + url(s.host), "DATABASE_READ_URL=" + url(process.env.READER_HOST || s.host), "SESSION_SECRET=" + process.env.SESSION_SECRET_VALUE, ...payment, ...signIn, ...cache, ""].join("\\n"), 0o600, 0);
  write("${databaseCredentialsFile(instanceDirectories)}", JSON.stringify({ username: s.username, password: s.password }), 0o640, ${gid});
'
# The backup-site export (the shop's, BACKUP_SITE_DIR) only on an instance going into service: one
# booting into the warm pool would take the export lock and record an export that is never uploaded
# before Auto Scaling stops it. The file is read at every start, so leaving the pool turns it on.
if [ "$(${targetStateCommand})" = InService ]; then echo "BACKUP_SITE_DIR=${instancePaths.backupSite}" >> ${instancePaths.env}; fi
ENVSCRIPT
chmod 0755 /usr/local/bin/evermall-write-env
cat > /etc/systemd/system/evermall-db-login.service <<UNIT
[Unit]
Description=Refresh the Evermall shop's database login from Secrets Manager
[Service]
Type=oneshot
ExecStart=/usr/local/bin/evermall-write-env
UNIT
cat > /etc/systemd/system/evermall-db-login.timer <<UNIT
[Unit]
Description=Refresh the Evermall shop's database login every ${databaseLoginRefreshMinutes} minutes
[Timer]
OnBootSec=${databaseLoginRefreshMinutes}min
OnUnitActiveSec=${databaseLoginRefreshMinutes}min
[Install]
WantedBy=timers.target
UNIT

# The database before the shop. Its roles exist already: the deploy creates them as the master user
# (DatabaseRoles custom resource), whose secret no instance may read. The schema is migrated once per release by the deploy, before the instance
# refresh (${migrateCommand}, below, run by infra/scripts/migrate-release.sh), so a boot only checks it:
# \`migrate\` as the app role applies nothing on a current schema and fails on one that is behind (the
# app role has no DDL), which fails the boot and leaves the old fleet serving. Only a first deploy
# (parameter bootMigrates) migrates here. The logins live in a root-only folder removed on exit.
# RELEASE names the release to run (default: this instance's); the migration step passes a new one.
cat > /usr/local/bin/evermall-db-setup <<'DBSETUP'
#!/bin/bash
set -euo pipefail
umask 077
release=\${RELEASE:-${instanceDirectories.release}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for login in app:${i.appSecretArn} migrator:${i.migratorSecretArn}; do
  aws secretsmanager get-secret-value --region '${i.region}' --secret-id "\${login#*:}" --query SecretString --output text > "$work/\${login%%:*}.json"
done
shop() {
  local url
  url=$(${runtime} -e 'const s = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); process.stdout.write("postgres://" + encodeURIComponent(s.username) + "@" + s.host + ":" + s.port + "/" + s.dbname + "?sslmode=verify-full&sslrootcert=${rdsCaBundle.path}")' "$1")
  env -i PATH=/usr/bin:/bin NODE_ENV=production MIGRATIONS_DIR=${releaseFiles('$release').migrations} DATABASE_URL="$url" DATABASE_CREDENTIALS_FILE="$1" ${releaseFiles('$release').runtime} ${releaseFiles('$release').cli} "\${@:2}"
}
case "\${1:-check}" in
  migrate) shop "$work/migrator.json" migrate ;;
  check) shop "$work/app.json" migrate ;;
  *) echo "usage: evermall-db-setup [check|migrate]" >&2; exit 64 ;;
esac
DBSETUP
chmod 0700 /usr/local/bin/evermall-db-setup
# The deploy's migration step: a new release's bundle by a presigned URL, unpacked into a temporary
# folder, refused unless its release.json names the inputs digest the deploy built, then its
# migrations applied as the migration role with its own runtime.
cat > ${migrateCommand} <<'MIGRATE'
#!/bin/bash
set -euo pipefail
umask 077
[ $# -eq 2 ] || { echo "usage: ${migrateCommand} <presigned bundle URL> <release inputsDigest>" >&2; exit 64; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl --fail --silent --show-error --retry 3 --output "$work/release.zip" "$1"
unzip -q "$work/release.zip" -d "$work/release"
[ "$("${releaseFiles('$work/release').runtime}" -p 'require(process.argv[1]).inputsDigest' "$work/release/release.json")" = "$2" ] || { echo "the bundle is not release $2" >&2; exit 65; }
RELEASE="$work/release" /usr/local/bin/evermall-db-setup migrate
MIGRATE
chmod 0700 ${migrateCommand}
/usr/local/bin/evermall-db-setup ${i.bootMigrates ? 'migrate' : 'check'}

# The shop under systemd. TimeoutStopSec (${stopTimeoutSeconds} s) exceeds the drain (${drainSeconds} s) and the
# shop's own shutdown bound (${shutdownBoundSeconds} s), so SIGTERM always gets a full graceful stop.
cat > /etc/systemd/system/evermall-shop.service <<UNIT
[Unit]
Description=Evermall shop
Wants=network-online.target
After=network-online.target remote-fs.target
RequiresMountsFor=${instancePaths.media}

[Service]
Type=simple
User=${user}
Group=${user}
ExecStartPre=+/usr/local/bin/evermall-write-env
EnvironmentFile=${instancePaths.env}
${Object.entries(environment)
  .filter(([name]) => name !== 'BACKUP_SITE_DIR')
  .map(([name, value]) => `Environment=${name}=${value}`)
  .join('\n')}
WorkingDirectory=${instanceDirectories.release}
ExecStart=${serviceCommand(instanceDirectories.release).join(' ')}
StandardOutput=append:${instancePaths.log}
StandardError=append:${instancePaths.log}
Restart=on-failure
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=${stopTimeoutSeconds}
${Object.entries(serviceSandbox)
  .map(([directive, value]) => `${directive}=${value}`)
  .join('\n')}
ReadWritePaths=${writableDirectories(instanceDirectories).join(' ')}

[Install]
WantedBy=multi-user.target
UNIT

# The backup site: the shop re-exports it into ${instancePaths.backupSite} only on the instance that holds the
# export advisory lock. Only an instance whose export is newer than its last upload syncs it to S3,
# so a stale copy on another instance never overwrites the bucket.
cat > /usr/local/bin/evermall-upload-backup-site <<'UPLOAD'
#!/bin/bash
${upload}UPLOAD
chmod 0755 /usr/local/bin/evermall-upload-backup-site
cat > /etc/systemd/system/evermall-backup-upload.service <<UNIT
[Unit]
Description=Upload the static backup site to S3 when this instance exported it
[Service]
Type=oneshot
ExecStart=/usr/local/bin/evermall-upload-backup-site
UNIT
cat > /etc/systemd/system/evermall-backup-upload.timer <<UNIT
[Unit]
Description=Check for a fresh backup-site export every ${backupSiteUploadCheckSeconds} s
[Timer]
OnBootSec=2min
OnUnitActiveSec=${backupSiteUploadCheckSeconds}s
[Install]
WantedBy=timers.target
UNIT

# The shop's log, rotated by size every hour (logrotate's own timer runs daily): systemd keeps the
# file open in append mode, so copytruncate is safe. At most ${logRotation.keep} × ${logRotation.maxSize} stay on the disk.
cat > /etc/logrotate.d/evermall-shop <<'ROTATE'
${instancePaths.log} {
  size ${logRotation.maxSize}
  rotate ${logRotation.keep}
  compress
  missingok
  notifempty
  copytruncate
}
ROTATE
cat > /etc/systemd/system/evermall-logrotate.service <<UNIT
[Unit]
Description=Rotate the Evermall shop log by size
[Service]
Type=oneshot
ExecStart=/usr/sbin/logrotate /etc/logrotate.d/evermall-shop
UNIT
cat > /etc/systemd/system/evermall-logrotate.timer <<UNIT
[Unit]
Description=Check the Evermall shop log size every hour
[Timer]
OnCalendar=hourly
[Install]
WantedBy=timers.target
UNIT

# Logs and memory/disk metrics to CloudWatch; the shop's spans (OTLP on loopback) to X-Ray.
cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'AGENT'
{
  "agent": { "run_as_user": "root" },
  "logs": { "logs_collected": { "files": { "collect_list": [
    { "file_path": "${instancePaths.log}", "log_group_name": "${i.logGroupName}", "log_stream_name": "{instance_id}" },
    { "file_path": "/var/log/evermall-bootstrap.log", "log_group_name": "${i.logGroupName}", "log_stream_name": "{instance_id}-bootstrap" }
  ] } } },
  "metrics": { "namespace": "${instanceMetrics.namespace}", "append_dimensions": { "AutoScalingGroupName": "\${aws:AutoScalingGroupName}" },
    "aggregation_dimensions": [["AutoScalingGroupName"]],
    "metrics_collected": { "mem": { "measurement": ["mem_used_percent"] }, "disk": { "measurement": ["used_percent"], "resources": ["/"] } } },
  "traces": { "traces_collected": { "otlp": { "http_endpoint": "${otlpReceiver.http}", "grpc_endpoint": "${otlpReceiver.grpc}" } } }
}
AGENT
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json

# The launch hook: completed once the shop answers its shallow health check locally (CONTINUE), or
# abandoned when it never does, and Auto Scaling replaces the instance. Until then the instance is
# not registered with the target group, in the warm pool (Warmed:Pending:Wait) or going into
# service (Pending:Wait). The first boot runs it below; the unit runs it at every later boot.
cat > /usr/local/bin/evermall-launch-ready <<'READY'
#!/bin/bash
set -uo pipefail
token=$(curl -sfX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
instance=$(curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id)
complete() {
  aws autoscaling complete-lifecycle-action --region '${i.region}' --lifecycle-hook-name ${launchReadyHookName} \
    --auto-scaling-group-name '${i.autoScalingGroupName}' --instance-id "$instance" --lifecycle-action-result "$1" || true
}
for attempt in $(seq 1 90); do
  if curl -sf http://127.0.0.1:${appPort}/healthz >/dev/null; then complete CONTINUE; exit 0; fi
  sleep 2
done
echo "the shop did not answer /healthz; see ${instancePaths.log}"
complete ABANDON
exit 1
READY
chmod 0755 /usr/local/bin/evermall-launch-ready
cat > /etc/systemd/system/${launchReadyUnit} <<UNIT
[Unit]
Description=Complete the Auto Scaling launch hook once the Evermall shop answers (every boot after the first: leaving the warm pool)
Wants=network-online.target
After=network-online.target evermall-shop.service
[Service]
Type=oneshot
ExecStart=/usr/local/bin/evermall-launch-ready
[Install]
WantedBy=multi-user.target
UNIT

systemctl daemon-reload
systemctl enable --now evermall-shop.service evermall-backup-upload.timer evermall-logrotate.timer evermall-db-login.timer
systemctl enable ${launchReadyUnit}

# CloudFormation hears only from instances going into service: one booting into the warm pool is
# stopped by Auto Scaling as soon as its hook completes.
if /usr/local/bin/evermall-launch-ready; then
  if [ "$TARGET_STATE" = InService ]; then signal 0; fi
  exit 0
fi
if [ "$TARGET_STATE" = InService ]; then signal 1; fi
exit 1
`;
}

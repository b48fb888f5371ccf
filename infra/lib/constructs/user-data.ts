import { appPort, drainSeconds, shutdownBoundSeconds } from '@evermall/topology';
import { backupSiteDir, releaseFiles, serviceCommand, serviceEnvironment, serviceSandbox, serviceUser, writableDirectories, type ServiceDirectories } from '@evermall/shop/release';

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
  readonly databaseSecretArn: string;
  /** Catalog reads; the writer's endpoint when there is no replica. */
  readonly readerHost?: string;
  readonly sessionSecretArn: string;
  readonly backupBucket: string;
  readonly logGroupName: string;
  /** Origins besides the request's own host that may post with cookies (the SPA domain). */
  readonly allowedOrigins: string;
}

/** The launch lifecycle hook the bootstrap completes once the shop answers /healthz. */
export const launchReadyHookName = 'evermall-shop-ready';

/** How long a launching instance may take to become healthy before Auto Scaling abandons it. */
export const launchReadyTimeoutSeconds = 900;

/** The service's directories on an instance (shop/src/release/service.ts says what each is for). */
export const instanceDirectories: ServiceDirectories = {
  release: '/opt/evermall/current',
  state: '/var/lib/evermall',
  media: '/var/lib/evermall/media',
  logs: '/var/log/evermall',
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
 * The bootstrap script of a shop instance on Amazon Linux 2023: OS packages, EFS over TLS,
 * the release (bundle and its own Node runtime) from its S3 asset, the environment from Secrets
 * Manager and instance metadata, the shop under systemd, the backup-site upload, then cfn-signal
 * once /healthz answers.
 */
export function renderShopUserData(i: ShopUserDataInputs): string {
  const sync = `/usr/bin/aws s3 sync ${instancePaths.backupSite} s3://${i.backupBucket} --delete --only-show-errors`;
  const { runtime } = releaseFiles(instanceDirectories.release);
  // ZONE and INSTANCE_ID are shell variables, expanded when the unit file is written.
  const environment = serviceEnvironment({
    zone: '$AVAILABILITY_ZONE',
    instanceId: '$INSTANCE_ID',
    host: '0.0.0.0',
    port: appPort,
    directories: instanceDirectories,
    cookieSecure: true,
    allowedOrigins: i.allowedOrigins,
  });
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

# The EFS mount helper, the CloudWatch agent, cfn-signal. No Node: the release ships its own (shop/build.mjs).
dnf install -y amazon-efs-utils amazon-cloudwatch-agent aws-cfn-bootstrap unzip

# Identity from instance metadata; the launch template requires IMDSv2 tokens.
IMDS_TOKEN=$(curl -sfX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
imds() { curl -sf -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" "http://169.254.169.254/latest/meta-data/$1"; }
AVAILABILITY_ZONE=$(imds placement/availability-zone)
INSTANCE_ID=$(imds instance-id)

getent group ${user} >/dev/null || groupadd --system --gid ${gid} ${user}
id ${user} >/dev/null 2>&1 || useradd --system --uid ${uid} --gid ${gid} --home-dir /opt/evermall --shell /sbin/nologin ${user}

# Product images on EFS, mounted over TLS with IAM through the media access point.
# The fstab line mounts it again after a reboot (EFS User Guide, "Mounting EFS file systems automatically").
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

# The environment is written at every start, so a restart picks up a rotated DB password.
cat > /usr/local/bin/evermall-write-env <<'ENVSCRIPT'
#!/bin/bash
set -euo pipefail
umask 077
mkdir -p /run/evermall
db=$(aws secretsmanager get-secret-value --region '${i.region}' --secret-id '${i.databaseSecretArn}' --query SecretString --output text)
session=$(aws secretsmanager get-secret-value --region '${i.region}' --secret-id '${i.sessionSecretArn}' --query SecretString --output text)
DB_SECRET="$db" SESSION_SECRET_VALUE="$session" READER_HOST='${i.readerHost ?? ''}' ${runtime} -e '
  const s = JSON.parse(process.env.DB_SECRET);
  const auth = encodeURIComponent(s.username) + ":" + encodeURIComponent(s.password);
  const url = (host) => "postgres://" + auth + "@" + host + ":" + s.port + "/" + s.dbname + "?sslmode=require";
  const lines = [
    "DATABASE_URL=" + url(s.host),
    "DATABASE_READ_URL=" + url(process.env.READER_HOST || s.host),
    "SESSION_SECRET=" + process.env.SESSION_SECRET_VALUE,
  ];
  process.stdout.write(lines.join("\\n") + "\\n");
' > ${instancePaths.env}.new
mv ${instancePaths.env}.new ${instancePaths.env}
ENVSCRIPT
chmod 0755 /usr/local/bin/evermall-write-env

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
set -euo pipefail
stamp=${instanceDirectories.state}/backup-site.uploaded
index=${instancePaths.backupSite}/index.html
[ -f "$index" ] || exit 0
if [ ! -f "$stamp" ] || [ "$index" -nt "$stamp" ]; then
  touch "$stamp.new"
  ${sync}
  mv "$stamp.new" "$stamp"
fi
UPLOAD
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
Description=Check for a fresh backup-site export every minute
[Timer]
OnBootSec=2min
OnUnitActiveSec=60s
[Install]
WantedBy=timers.target
UNIT

# Logs and memory/disk metrics to CloudWatch.
cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'AGENT'
{
  "agent": { "run_as_user": "root" },
  "logs": { "logs_collected": { "files": { "collect_list": [
    { "file_path": "${instancePaths.log}", "log_group_name": "${i.logGroupName}", "log_stream_name": "{instance_id}" },
    { "file_path": "/var/log/evermall-bootstrap.log", "log_group_name": "${i.logGroupName}", "log_stream_name": "{instance_id}-bootstrap" }
  ] } } },
  "metrics": { "namespace": "Evermall/Instances", "append_dimensions": { "AutoScalingGroupName": "\${aws:AutoScalingGroupName}" },
    "metrics_collected": { "mem": { "measurement": ["mem_used_percent"] }, "disk": { "measurement": ["used_percent"], "resources": ["/"] } } }
}
AGENT
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json

systemctl daemon-reload
systemctl enable --now evermall-shop.service evermall-backup-upload.timer

# Put the instance in service (lifecycle hook) and signal CloudFormation only once the shop
# answers its shallow health check locally; otherwise abandon it, and Auto Scaling replaces it.
complete_launch() {
  aws autoscaling complete-lifecycle-action --region '${i.region}' --lifecycle-hook-name ${launchReadyHookName} \
    --auto-scaling-group-name '${i.autoScalingGroupName}' --instance-id "$INSTANCE_ID" --lifecycle-action-result "$1" || true
}
for attempt in $(seq 1 90); do
  if curl -sf http://127.0.0.1:${appPort}/healthz >/dev/null; then complete_launch CONTINUE; signal 0; exit 0; fi
  sleep 2
done
echo "the shop did not answer /healthz; see ${instancePaths.log}"
complete_launch ABANDON
signal 1
exit 1
`;
}

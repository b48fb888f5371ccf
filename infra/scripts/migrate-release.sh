#!/usr/bin/env bash
# The deploy's migration step (infra/README.md, "Migrations: once per release"): applies the new
# release's migrations once, as the migration role, before the instance refresh starts new instances.
#
# Usage (from infra/, with the deploy role's credentials, after
#   npx cdk deploy <prefix>-App --exclusively --method=prepare-change-set ...
# published the release's assets without changing anything):
#   scripts/migrate-release.sh <stack prefix> <region>
#
# It finds the release's bundle asset in the cloud assembly (cdk.out), presigns a 15-minute read of
# it with the CDK file-publishing role (the deploy role may assume it), and runs
# /usr/local/bin/evermall-migrate on one InService instance through SSM Run Command. The instance
# checks that the bundle's release.json names the same inputs digest as ../shop/dist/release.json.
# Exit status: 0 migrated (or nothing to do), 3 no instance can run the step (a first deploy, or
# instances from before this step existed: deploy with -c bootMigrates=true), anything else failed.
set -euo pipefail

if [ $# -ne 2 ] || [ "$1" = "--help" ]; then
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  [ "${1:-}" = "--help" ] && exit 0 || exit 64
fi
prefix=$1
region=$2
group="$prefix-App-shop"
assembly=cdk.out

digest=$(node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync("../shop/dist/release.json", "utf8")).inputsDigest)')
account=$(aws sts get-caller-identity --query Account --output text)
partition=$(aws sts get-caller-identity --query Arn --output text | cut -d: -f2)

# The bundle: the directory asset of the App stack whose release.json names this release.
read -r bucket key role < <(node - "$assembly/$prefix-App.assets.json" "$assembly" "$digest" "$account" "$partition" "$region" <<'NODE'
const fs = require('node:fs');
const path = require('node:path');
const [manifestFile, assembly, digest, account, partition, region] = process.argv.slice(2);
const fill = (s) => s.replaceAll('${AWS::AccountId}', account).replaceAll('${AWS::Partition}', partition).replaceAll('${AWS::Region}', region);
const files = JSON.parse(fs.readFileSync(manifestFile, 'utf8')).files ?? {};
for (const asset of Object.values(files)) {
  const release = path.join(assembly, asset.source.path, 'release.json');
  if (!fs.existsSync(release) || JSON.parse(fs.readFileSync(release, 'utf8')).inputsDigest !== digest) continue;
  const destination = Object.values(asset.destinations)[0];
  process.stdout.write(`${fill(destination.bucketName)} ${fill(destination.objectKey)} ${fill(destination.assumeRoleArn)}\n`);
  process.exit(0);
}
process.stderr.write(`no asset of ${manifestFile} holds release ${digest}: synthesize (cdk deploy --method=prepare-change-set) first\n`);
process.exit(1);
NODE
)

instance=$(aws autoscaling describe-auto-scaling-groups --region "$region" --auto-scaling-group-names "$group" \
  --query 'AutoScalingGroups[0].Instances[?LifecycleState==`InService`] | [0].InstanceId' --output text)
if [ -z "$instance" ] || [ "$instance" = "None" ]; then
  echo "no InService instance in $group: nothing can run the migration step (a first deploy migrates at boot)" >&2
  exit 3
fi

# A presigned URL made with the file-publishing role, so the instances' role never reads the asset bucket.
url=$(
  creds=$(aws sts assume-role --role-arn "$role" --role-session-name evermall-migrate --query Credentials --output json)
  AWS_ACCESS_KEY_ID=$(echo "$creds" | node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(0)).AccessKeyId)') \
    AWS_SECRET_ACCESS_KEY=$(echo "$creds" | node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(0)).SecretAccessKey)') \
    AWS_SESSION_TOKEN=$(echo "$creds" | node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(0)).SessionToken)') \
    aws s3 presign "s3://$bucket/$key" --region "$region" --expires-in 900
)

input=$(node -e 'process.stdout.write(JSON.stringify({
  InstanceIds: [process.argv[1]],
  DocumentName: "AWS-RunShellScript",
  Comment: "evermall: migrate the database for release " + process.argv[3].slice(7, 19),
  TimeoutSeconds: 900,
  Parameters: { commands: ["if [ ! -x /usr/local/bin/evermall-migrate ]; then echo no-migrate-step; exit 3; fi", "/usr/local/bin/evermall-migrate \"" + process.argv[2] + "\" \"" + process.argv[3] + "\""], executionTimeout: ["900"] },
}))' "$instance" "$url" "$digest")
command=$(aws ssm send-command --region "$region" --cli-input-json "$input" --query Command.CommandId --output text)
echo "migration step: command $command on $instance (release $digest)"
aws ssm wait command-executed --region "$region" --command-id "$command" --instance-id "$instance" || true
read -r status code < <(aws ssm get-command-invocation --region "$region" --command-id "$command" --instance-id "$instance" \
  --query '[Status, ResponseCode]' --output text)
aws ssm get-command-invocation --region "$region" --command-id "$command" --instance-id "$instance" \
  --query '[StandardOutputContent, StandardErrorContent]' --output text || true
if [ "$status" = "Success" ]; then exit 0; fi
if [ "$code" = "3" ]; then
  echo "$instance has no migration step (it booted before it existed): deploy with -c bootMigrates=true once" >&2
  exit 3
fi
echo "migration step failed: $status (exit $code); nothing was deployed" >&2
exit 1

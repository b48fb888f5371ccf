import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { backupSiteDir, catalogAnswers, type ServiceDirectories } from '@evermall/shop/release';
import { maintenancePrefix } from './backup-site.js';
import { instanceMetrics } from './observability.js';

export interface BackupSiteUploadInputs {
  /** The AWS CLI: `/usr/bin/aws` on the shop image, `aws` in the uploader container. */
  readonly awsCli: string;
  readonly bucket: string;
  readonly region: string;
  /** Where the shop writes its state and its backup-site export. */
  readonly directories: ServiceDirectories;
  /** The one dimension the BackupSiteUploaded datapoint carries (Observability's alarm reads the same). */
  readonly metricDimension: { readonly name: string; readonly value: string };
}

/**
 * The upload of the static backup site, one script for both computes: on EC2 a systemd timer runs
 * it every minute on each instance (user-data.ts), on EKS a sidecar of each shop pod
 * (the chart's `backupSite.uploadScript`). The shop re-exports the site into its backup-site
 * directory only where it holds the export advisory lock, so only a copy newer than its own last
 * upload is synced, and a stale copy never overwrites the bucket.
 *
 * The deploy-time maintenance page (BackupSite) is excluded, so --delete never removes it. The
 * catalog's JSON answers (shop/src/static-site/catalog-answers.ts) go up on their own, typed as JSON
 * and at the keys CloudFront's origin group asks the bucket for (the API paths): the product list, a
 * file beside the products' folder on disk, is copied to its key, which the folder's --delete must
 * leave alone. One datapoint per upload that reached the bucket; the BackupSiteStale alarm fires
 * when none arrived for 3 export intervals (observability.ts).
 */
export function backupSiteUploadScript(i: BackupSiteUploadInputs): string {
  const site = backupSiteDir(i.directories);
  const api = catalogAnswers.dir;
  const json = `--content-type '${catalogAnswers.contentType}'`;
  const aws = i.awsCli;
  return `set -euo pipefail
stamp=${i.directories.state}/backup-site.uploaded
index=${site}/index.html
[ -f "$index" ] || exit 0
if [ ! -f "$stamp" ] || [ "$index" -nt "$stamp" ]; then
  touch "$stamp.new"
  ${aws} s3 sync ${site} s3://${i.bucket} --delete --exclude '${maintenancePrefix}*' --exclude '${api}/*' --only-show-errors
  ${aws} s3 sync ${site}/${api} s3://${i.bucket}/${api} --delete --exclude '${catalogAnswers.productListFile}' --exclude '${catalogAnswers.productListKey.slice(api.length + 1)}' ${json} --only-show-errors
  ${aws} s3 cp ${site}/${api}/${catalogAnswers.productListFile} s3://${i.bucket}/${catalogAnswers.productListKey} ${json} --only-show-errors
  mv "$stamp.new" "$stamp"
  ${aws} cloudwatch put-metric-data --region '${i.region}' --namespace ${instanceMetrics.namespace} --metric-name ${instanceMetrics.backupSiteUploaded} --dimensions ${i.metricDimension.name}='${i.metricDimension.value}' --unit Count --value 1 || echo "the backup site was uploaded but its metric was not published"
fi
`;
}

/** How often the upload looks for a fresh export, on either compute. */
export const backupSiteUploadCheckSeconds = 60;

/**
 * What the uploader may do: `aws s3 sync --delete` of the backup site (list the bucket, read, write
 * and delete its objects) and its one metric. EC2's role has PutMetricData already
 * (CloudWatchAgentServerPolicy); a pod's role needs it said.
 */
export function grantBackupSiteUpload(role: iam.IRole, bucket: s3.IBucket, options: { metric: boolean }): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [bucket.arnForObjects('*')] }));
  if (options.metric) {
    // PutMetricData has no resource type; the namespace condition keeps it to ours.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': instanceMetrics.namespace } },
      }),
    );
  }
}

import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { MEDIA_KEY_GLOB } from '@evermall/shop/release';

/**
 * What the shop may do in the media bucket it keeps product images in (MEDIA_BUCKET;
 * shop/src/media/s3-media-storage.ts), the same on EC2 and EKS:
 *
 * - s3:GetObject on every object: originals, and the variants the resize function writes.
 * - s3:PutObject on the originals' keys only (MEDIA_KEY_GLOB, 32 characters then an extension,
 *   which no key under `variants/` matches): the resize function alone writes variants.
 * - s3:DeleteObject on every object: an upload whose product was deleted meanwhile is removed with
 *   whatever variants were made of it. The bucket is versioned and the shop may not delete
 *   versions, so a removed or overwritten image stays restorable for the bucket's noncurrent days.
 * - s3:ListBucket on the bucket, though the shop lists nothing: only with it does S3 answer 404 for a key it does
 *   not hold, which the shop serves as a missing image (or stands the original in for a variant not
 *   made yet); without it S3 answers 403 (S3 API Reference, GetObject, "Permissions").
 */
export function grantShopMediaAccess(role: iam.IRole, bucket: s3.IBucket): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: [bucket.arnForObjects('*')] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(MEDIA_KEY_GLOB)] }));
}

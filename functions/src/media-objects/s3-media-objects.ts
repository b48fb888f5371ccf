import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MediaObjects } from './media-objects.js';

/** The media bucket on AWS, through the SDK's S3 client (credentials from the Lambda's role). */
export class S3MediaObjects implements MediaObjects {
  constructor(private readonly s3: S3Client) {}

  async get(bucket: string, key: string): Promise<Uint8Array | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await object.Body?.transformToByteArray();
    } catch (err) {
      if (err instanceof NoSuchKey) return undefined;
      throw err;
    }
  }

  async put(bucket: string, key: string, body: Uint8Array, options: { contentType: string; cacheControl: string }): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: options.contentType, CacheControl: options.cacheControl }));
  }
}

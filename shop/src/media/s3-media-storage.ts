import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MediaStorage, StagedImage, StoredImage } from './media-storage.js';

export interface S3MediaStorageOptions {
  /** The media bucket (MEDIA_BUCKET), whose ObjectCreated events run the resize function. */
  readonly bucket: string;
  readonly client: S3Client;
}

/**
 * Images in the S3 media bucket (MEDIA_BUCKET). Uploads are staged in the instance's temp folder
 * and put in one PutObject, which S3 stores whole or not at all (S3 User Guide, "Uploading
 * objects"), so a checked upload is the only thing that ever lands in the bucket. The body is read
 * into memory first (at most MEDIA_MAX_BYTES, which the check has read already): the SDK then
 * sends it with its checksum in a header, where a stream would need the whole object's length
 * and a trailing checksum.
 *
 * A missing key is a 404 only to a caller allowed s3:ListBucket; without it S3 answers 403 (S3 API
 * Reference, GetObject, "Permissions"). The instances have it, so anything but 404 is an error here,
 * never an image that does not exist.
 */
export class S3MediaStorage implements MediaStorage {
  readonly location: string;

  constructor(private readonly options: S3MediaStorageOptions) {
    this.location = `s3://${options.bucket}`;
  }

  async stage(): Promise<StagedImage> {
    const file = path.join(os.tmpdir(), `evermall-upload-${randomBytes(8).toString('hex')}.tmp`);
    return {
      file,
      commit: async (key, contentType) => {
        const body = await readFile(file);
        await this.options.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: contentType }));
      },
      discard: () => rm(file, { force: true }),
    };
  }

  async open(key: string): Promise<StoredImage | undefined> {
    try {
      const object = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!(object.Body instanceof Readable) || object.ContentLength === undefined) {
        throw new Error(`GetObject s3://${this.options.bucket}/${key} answered without a body stream or its length`);
      }
      return { body: object.Body, size: object.ContentLength };
    } catch (err) {
      if (err instanceof NoSuchKey) return undefined;
      throw err;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.options.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (err) {
      // A HEAD answer has no body, so the SDK names a 404 by its status alone.
      if (err instanceof NotFound) return false;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    // The bucket is versioned: this adds a delete marker, and the object stays restorable for the bucket's noncurrent-version days.
    await this.options.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
  }

  async close(): Promise<void> {
    this.options.client.destroy();
  }
}

import type { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import { FolderMediaStorage } from './folder-media-storage.js';
import { S3MediaStorage } from './s3-media-storage.js';

/**
 * Where product images are kept: the S3 media bucket on AWS (MEDIA_BUCKET), whose ObjectCreated
 * events run the resize function, or a folder (MEDIA_DIR) that stands in for it on the twin and in
 * development, where the twin's function runner watches it. The store keeps bytes under object
 * keys: `<key>` for an original, `variants/<key>/<width>.<format>` for the resize function's
 * variants. Which keys may exist is media-keys.ts's business, checked before a store is asked.
 */
export interface MediaStorage {
  /** Where the images are, for people: the folder, or s3://<bucket>. */
  readonly location: string;
  /**
   * A temp file to write an image into and check before anyone can see it: nothing is under any
   * key until `commit`, and a discarded one leaves nothing behind.
   */
  stage(): Promise<StagedImage>;
  /** The object under `key` as a stream with its length, or undefined when there is none. */
  open(key: string): Promise<StoredImage | undefined>;
  /** Whether an object is under `key`, without reading it. */
  has(key: string): Promise<boolean>;
  /** Removes the object under `key`; nothing there is not an error. */
  remove(key: string): Promise<void>;
  /** Lets go of connections (the S3 client's sockets). */
  close(): Promise<void>;
}

export interface StagedImage {
  /** A local path no file is at yet: the caller creates it (flag `wx`) and writes the image. */
  readonly file: string;
  /** Puts the file under `key` whole: no reader ever sees a part of it. */
  commit(key: string, contentType: string): Promise<void>;
  /** Deletes the temp file; safe after `commit` and when it was never written. */
  discard(): Promise<void>;
}

export interface StoredImage {
  readonly body: Readable;
  /** In bytes, for Content-Length. */
  readonly size: number;
}

export interface MediaStorageOptions {
  /** The client the bucket is reached with; tests pass one answered by an in-process S3. Default: one for MEDIA_BUCKET_REGION. */
  readonly s3Client?: S3Client;
}

/** The store the config names: the bucket when MEDIA_BUCKET is set (config.ts requires its region then), else MEDIA_DIR. */
export function mediaStorageFor(config: Config, options: MediaStorageOptions = {}): MediaStorage {
  if (config.MEDIA_BUCKET === undefined) return new FolderMediaStorage(config.MEDIA_DIR);
  const client = options.s3Client ?? new S3Client({ region: config.MEDIA_BUCKET_REGION });
  return new S3MediaStorage({ bucket: config.MEDIA_BUCKET, client });
}

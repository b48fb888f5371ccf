/**
 * The object store the resize function reads originals from and writes variants to: an S3 bucket
 * on AWS, a folder per bucket on the twin. The handler sees only this port, so the same code runs
 * in Lambda and in the twin's function runner.
 */
export interface MediaObjects {
  /** The object's bytes, or undefined when there is no such object. */
  get(bucket: string, key: string): Promise<Uint8Array | undefined>;
  /** Writes the whole object at once: a reader sees the old object or the new one, never half. */
  put(bucket: string, key: string, body: Uint8Array, options: { contentType: string; cacheControl: string }): Promise<void>;
}

import { randomBytes } from 'node:crypto';
import type { S3Event } from 'aws-lambda';
import { encodeS3EventKey } from '../s3-event-key.js';

export interface CreatedObject {
  bucket: string;
  key: string;
  size: number;
  /** The object's ETag, when known (S3 sends the MD5 of a single-part upload). */
  eTag?: string;
  /** When it was written: S3's eventTime. */
  time?: Date;
}

/** The region the twin claims to be in, in ARNs and records; nothing reaches AWS. */
const TWIN_REGION = 'local';

/**
 * The event S3 sends Lambda for a new object (S3 User Guide, "Event message structure", version
 * 2.1), field for field, so a handler cannot tell the twin from AWS. The key is URL-encoded as S3
 * does it; the request ids are random, as S3's are.
 */
export function objectCreatedEvent(object: CreatedObject, configurationId = 'twin-object-created'): S3Event {
  const time = object.time ?? new Date();
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: TWIN_REGION,
        eventTime: time.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'twin' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(), 'x-amz-id-2': randomBytes(32).toString('base64') },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId,
          bucket: { name: object.bucket, ownerIdentity: { principalId: 'twin' }, arn: `arn:aws:s3:::${object.bucket}` },
          object: {
            key: encodeS3EventKey(object.key),
            size: object.size,
            eTag: object.eTag ?? '',
            // S3's sequencer orders events for one key: a hex number that grows with each write.
            sequencer: (time.getTime() * 1000).toString(16).toUpperCase(),
          },
        },
      },
    ],
  };
}

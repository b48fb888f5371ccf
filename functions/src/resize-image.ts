import { S3Client } from '@aws-sdk/client-s3';
import { imageVariantKey, imageVariants, type ImageVariantFormat } from '@evermall/topology';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import sharp, { type Metadata } from 'sharp';
import { S3MediaObjects, type MediaObjects } from './media-objects/index.js';
import { decodeS3EventKey } from './s3-event-key.js';

/** Why an original cannot be resized. Retrying does not help; the event ends in the on-failure destination, where the code says why. */
export type ResizeErrorCode = 'OBJECT_NOT_FOUND' | 'NOT_AN_IMAGE' | 'IMAGE_TOO_LARGE';

export class ResizeError extends Error {
  override readonly name = 'ResizeError';
  constructor(
    readonly code: ResizeErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface ResizeLimits {
  readonly widths: readonly number[];
  readonly formats: readonly ImageVariantFormat[];
  readonly maxInputPixels: number;
}

export interface WrittenVariant {
  key: string;
  width: number;
  format: ImageVariantFormat;
  bytes: number;
}

/** What one invocation did, per record: the variants written, or why a record was skipped. */
export type ResizeOutcome = { bucket: string; key: string; variants: WrittenVariant[] } | { bucket: string; key: string; skipped: 'not-object-created' | 'is-a-variant' };

/** The originals we resize, by what sharp reads from their header (AVIF is HEIF with AV1 inside). */
const RESIZABLE = new Set(['jpeg', 'png', 'webp', 'gif', 'heif']);
const CONTENT_TYPES: Record<ImageVariantFormat, string> = { avif: 'image/avif', webp: 'image/webp' };
/** A variant's key derives from its original's, which names its content forever (the shop never reuses a key). */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Resizes each original named in an S3 ObjectCreated event into `widths` × `formats` variants at
 * `imageVariantKey(key, width, format)`, in the original's bucket.
 *
 * - EXIF orientation is applied, then all metadata (EXIF with any GPS position, XMP, IPTC, the ICC
 *   profile once the pixels are in sRGB) is dropped: sharp writes none unless asked to.
 * - Never enlarged: a width wider than the (oriented) original is written at the original's width,
 *   so every variant key exists once the function has run and the shop can derive them from the key.
 * - Idempotent: a redelivered event (S3 delivers at least once; Lambda retries) rewrites the same
 *   keys with the same pixels.
 * - The header is read before anything is decoded: a non-image or an image of more than
 *   `maxInputPixels` is refused with a ResizeError, and sharp's own `limitInputPixels` holds the
 *   same bound while decoding. An animated GIF or WebP gives variants of its first frame.
 * - Variants never trigger the function again: a key under the variants prefix is skipped. On AWS
 *   a variant's own ObjectCreated event passes the notification's suffix filter (.webp, .avif) and
 *   ends here at once; the twin's watcher does not see the variants folder at all.
 */
export function createResizeImageHandler(objects: MediaObjects, limits: ResizeLimits = imageVariants) {
  return async (event: S3Event): Promise<ResizeOutcome[]> => {
    const outcomes: ResizeOutcome[] = [];
    // One record at a time: each decodes a whole image, and the function's memory is sized for one.
    for (const record of event.Records) outcomes.push(await resizeRecord(objects, limits, record));
    return outcomes;
  };
}

async function resizeRecord(objects: MediaObjects, limits: ResizeLimits, record: S3EventRecord): Promise<ResizeOutcome> {
  const bucket = record.s3.bucket.name;
  const key = decodeS3EventKey(record.s3.object.key);
  if (!record.eventName.startsWith('ObjectCreated:')) return { bucket, key, skipped: 'not-object-created' };
  if (key.startsWith(imageVariants.prefix)) return { bucket, key, skipped: 'is-a-variant' };

  const original = await objects.get(bucket, key);
  if (!original) throw new ResizeError('OBJECT_NOT_FOUND', `s3://${bucket}/${key} does not exist (deleted after upload?).`);
  const { width } = await readHeader(original, key, limits);

  const image = sharp(original, { limitInputPixels: limits.maxInputPixels, autoOrient: true });
  // Widths past the original's all get the original's width: encode each distinct width once.
  const encoded = new Map<number, { format: ImageVariantFormat; body: Buffer }[]>();
  const encode = (outputWidth: number) =>
    Promise.all(
      limits.formats.map(async (format) => ({
        format,
        body: await image.clone().resize({ width: outputWidth, withoutEnlargement: true }).toFormat(format).toBuffer(),
      })),
    );
  const variants: WrittenVariant[] = [];
  for (const target of limits.widths) {
    const outputWidth = Math.min(target, width);
    let bodies = encoded.get(outputWidth);
    if (!bodies) encoded.set(outputWidth, (bodies = await encode(outputWidth)));
    for (const { format, body } of bodies) {
      const variantKey = imageVariantKey(key, target, format);
      await objects.put(bucket, variantKey, body, { contentType: CONTENT_TYPES[format], cacheControl: IMMUTABLE });
      variants.push({ key: variantKey, width: target, format, bytes: body.length });
    }
  }
  return { bucket, key, variants };
}

/** The original's oriented size from its header alone, refusing what we will not decode. */
async function readHeader(original: Uint8Array, key: string, limits: ResizeLimits): Promise<{ width: number }> {
  let metadata: Metadata;
  try {
    // Only the header is read here, so sharp's pixel limit is lifted: over it, sharp would refuse
    // with a message that does not say how big the image is; the check below says it.
    metadata = await sharp(original, { limitInputPixels: false }).metadata();
  } catch {
    throw new ResizeError('NOT_AN_IMAGE', `${key} is not an image sharp can read.`);
  }
  if (!RESIZABLE.has(metadata.format) || (metadata.format === 'heif' && metadata.compression !== 'av1')) {
    throw new ResizeError('NOT_AN_IMAGE', `${key} is ${metadata.format}; only JPEG, PNG, WebP, GIF and AVIF originals are resized.`);
  }
  if (metadata.width * metadata.height > limits.maxInputPixels) {
    throw new ResizeError('IMAGE_TOO_LARGE', `${key} is ${metadata.width} × ${metadata.height} px, over ${limits.maxInputPixels.toLocaleString('en-US')} pixels.`);
  }
  return metadata.autoOrient;
}

let lambdaHandler: ReturnType<typeof createResizeImageHandler> | undefined;

/**
 * The entry point Lambda calls (handler `resize-image.handler`), reading and writing S3 with the
 * function's role. The twin's runner calls createResizeImageHandler with its folder instead.
 */
export const handler = (event: S3Event): Promise<ResizeOutcome[]> => {
  lambdaHandler ??= createResizeImageHandler(new S3MediaObjects(new S3Client({})));
  return lambdaHandler(event);
};

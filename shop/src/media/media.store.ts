import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromFile } from 'file-type';
import { imageSize } from 'image-size';
import { ShopError } from '../errors.js';
import { isMediaKey, MEDIA_CONTENT_TYPES, newMediaKey, variantKeysOf, type MediaExtension } from './media-keys.js';
import type { MediaStorage } from './media-storage.js';

/** What file-type calls each image we accept, and the extension we store it under. */
const ACCEPTED_IMAGES: Record<string, MediaExtension> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
};

/** How big an image may be once decoded (MEDIA_MAX_PIXELS, MEDIA_MAX_SIDE_PX); its bytes are capped by the multipart parser. */
export interface ImageLimits {
  maxPixels: number;
  maxSidePx: number;
}

/** An uploaded file as the route hands it on. */
export interface Upload {
  content: Readable;
  /** True when the multipart parser cut the file off at the size limit (MEDIA_MAX_BYTES). */
  truncated(): boolean;
  limits: ImageLimits;
}

/**
 * Stores an uploaded image under a new random key and returns the key. The type comes from the
 * content (magic bytes), never from the name or the client's Content-Type. The upload is written
 * to a staged temp file and checked there; only a checked image is committed under its key (a
 * rename in MEDIA_DIR, one PutObject to the bucket), so no reader, and no resize function, ever
 * sees half a file. A too-large (in bytes or pixels) or non-image upload leaves nothing behind.
 */
export async function storeImage(media: MediaStorage, { content, truncated, limits }: Upload): Promise<string> {
  const staged = await media.stage();
  try {
    await pipeline(content, createWriteStream(staged.file, { flags: 'wx', mode: 0o644 }));
    if (truncated()) {
      throw new ShopError(413, 'FILE_TOO_LARGE', 'The image is too large.');
    }
    const type = await fileTypeFromFile(staged.file);
    const extension = type ? ACCEPTED_IMAGES[type.mime] : undefined;
    if (!extension) {
      throw new ShopError(415, 'UNSUPPORTED_IMAGE_TYPE', 'Upload a JPEG, PNG, WebP, GIF or AVIF image.', { detected: type?.mime ?? null });
    }
    checkDimensions(await readFile(staged.file), limits);
    const key = newMediaKey(extension);
    await staged.commit(key, MEDIA_CONTENT_TYPES[extension]);
    return key;
  } finally {
    await staged.discard();
  }
}

/**
 * Refuses an image that would take too much memory to decode (a decompression bomb: a few
 * hundred bytes can declare 50,000 × 50,000 px). The dimensions come from the file's header
 * (image-size), without decoding it. The whole file is read (at most MEDIA_MAX_BYTES): a JPEG's
 * frame header may come after large metadata.
 */
function checkDimensions(image: Uint8Array, limits: ImageLimits): void {
  let width: number;
  let height: number;
  try {
    ({ width, height } = imageSize(image));
  } catch {
    throw new ShopError(415, 'UNREADABLE_IMAGE', 'The image is damaged: its size cannot be read.');
  }
  if (width * height > limits.maxPixels || Math.max(width, height) > limits.maxSidePx) {
    const most = (n: number) => n.toLocaleString('en-US');
    throw new ShopError(413, 'IMAGE_TOO_LARGE', `The image is too large: at most ${most(limits.maxPixels)} pixels, ${most(limits.maxSidePx)} a side.`, {
      width,
      height,
      maxPixels: limits.maxPixels,
      maxSidePx: limits.maxSidePx,
    });
  }
}

/** Removes an image and whatever variants the resize function has made of it so far. */
export async function removeImage(media: MediaStorage, key: string): Promise<void> {
  if (!isMediaKey(key)) return;
  await media.remove(key);
  for (const variant of variantKeysOf(key)) await media.remove(variant);
}

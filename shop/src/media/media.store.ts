import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readFile } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import { imageSize } from 'image-size';
import { ShopError } from '../errors.js';
import { imageVariantKey, imageVariants, type ImageVariantFormat } from '@evermall/topology';
import { hasVariants, isMediaKey, newMediaKey, type MediaExtension } from './media-keys.js';

/** What file-type calls each image we accept, and the extension we store it under. */
const ACCEPTED_IMAGES: Record<string, MediaExtension> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
};

/** The file for a key, or undefined when the key is not one we could have generated. */
export function mediaPath(mediaDir: string, key: string): string | undefined {
  return isMediaKey(key) ? path.join(mediaDir, key) : undefined;
}

/**
 * The file of a key's variant, where the resize function writes it (MEDIA_DIR is its bucket's
 * folder on the twin), or undefined when the key is not one we could have generated or is never resized.
 */
export function mediaVariantPath(mediaDir: string, key: string, width: number, format: ImageVariantFormat): string | undefined {
  return isMediaKey(key) && hasVariants(key) ? path.join(mediaDir, imageVariantKey(key, width, format)) : undefined;
}

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
 * content (magic bytes), never from the name or the client's Content-Type. The file is written
 * to a temp name in the same directory and renamed, so other instances (EFS) never see half a
 * file. A too-large (in bytes or pixels) or non-image upload leaves nothing behind.
 */
export async function storeImage(mediaDir: string, { content, truncated, limits }: Upload): Promise<string> {
  await mkdir(mediaDir, { recursive: true });
  const temp = path.join(mediaDir, `.upload-${randomBytes(8).toString('hex')}.tmp`);
  try {
    await pipeline(content, createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
    if (truncated()) {
      throw new ShopError(413, 'FILE_TOO_LARGE', 'The image is too large.');
    }
    const type = await fileTypeFromFile(temp);
    const extension = type ? ACCEPTED_IMAGES[type.mime] : undefined;
    if (!extension) {
      throw new ShopError(415, 'UNSUPPORTED_IMAGE_TYPE', 'Upload a JPEG, PNG, WebP, GIF or AVIF image.', { detected: type?.mime ?? null });
    }
    checkDimensions(await readFile(temp), limits);
    const key = newMediaKey(extension);
    await rename(temp, path.join(mediaDir, key));
    return key;
  } finally {
    await rm(temp, { force: true });
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
export async function removeImage(mediaDir: string, key: string): Promise<void> {
  const file = mediaPath(mediaDir, key);
  if (!file) return;
  await rm(file, { force: true });
  await rm(path.join(mediaDir, imageVariants.prefix, key), { recursive: true, force: true });
}

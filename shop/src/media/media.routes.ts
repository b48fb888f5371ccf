import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { notFound } from '../errors.js';
import { errorResponses } from '../lib/error-body.js';
import { MEDIA_CONTENT_TYPES, mediaContentType, parseVariantName } from './media-keys.js';
import { mediaPath, mediaVariantPath } from './media.store.js';

/** A key names its content forever (a new upload gets a new key), so caches may keep it a year (RFC 8246). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * The original standing in for a variant not made yet: no cache may keep it (RFC 9111
 * "no-store"), so the browser and the edge ask again and get the variant once it exists.
 */
const STAND_IN = 'no-store';
/** Images never run as documents: an SVG opened directly can run no script (CSP sandbox). */
const MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

const fileSize = async (file: string | undefined): Promise<number | undefined> => {
  const info = file ? await stat(file).catch(() => undefined) : undefined;
  return info?.isFile() ? info.size : undefined;
};

const sendImage = (reply: FastifyReply, file: string, size: number, contentType: string, cacheControl: string) =>
  reply
    .type(contentType)
    .header('content-length', size)
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', MEDIA_CSP)
    .send(createReadStream(file));

/**
 * Product images from MEDIA_DIR. Every instance serves every image: the folder is shared
 * (EFS on AWS, .twin/efs locally). Only generated keys are served; anything else is a 404.
 */
const mediaRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, opts) => {
  app.get(
    '/media/:key',
    {
      schema: {
        tags: ['operations'],
        summary: 'A product image',
        params: Type.Object({ key: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Unknown({ description: 'The image bytes' }), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const file = mediaPath(opts.config.MEDIA_DIR, request.params.key);
      const size = await fileSize(file);
      if (!file || size === undefined) throw notFound('Image');
      return sendImage(reply, file, size, mediaContentType(request.params.key), IMMUTABLE);
    },
  );

  app.get(
    '/media/variants/:key/:variant',
    {
      schema: {
        tags: ['operations'],
        summary: 'A product image at one of the sizes in its srcset',
        description: 'The variant the resize function made (`640.webp`), or the original until it has made it.',
        params: Type.Object({ key: Type.String({ maxLength: 64 }), variant: Type.String({ maxLength: 16 }) }),
        response: { 200: Type.Unknown({ description: 'The image bytes' }), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { key } = request.params;
      const variant = parseVariantName(request.params.variant);
      const file = variant && mediaVariantPath(opts.config.MEDIA_DIR, key, variant.width, variant.format);
      const size = await fileSize(file);
      if (variant && file && size !== undefined) return sendImage(reply, file, size, MEDIA_CONTENT_TYPES[variant.format], IMMUTABLE);
      const original = variant && file ? mediaPath(opts.config.MEDIA_DIR, key) : undefined;
      const originalSize = await fileSize(original);
      if (!original || originalSize === undefined) throw notFound('Image');
      return sendImage(reply, original, originalSize, mediaContentType(key), STAND_IN);
    },
  );
};

export default mediaRoutes;

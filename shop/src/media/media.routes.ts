import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../errors.js';
import { errorResponses } from '../lib/error-body.js';
import { isMediaKey, MEDIA_CONTENT_TYPES, mediaContentType, parseVariantName, storedVariantKey } from './media-keys.js';
import type { StoredImage } from './media-storage.js';

/** A key names its content forever (a new upload gets a new key), so caches may keep it a year (RFC 8246). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * The original standing in for a variant not made yet: no cache may keep it (RFC 9111
 * "no-store"), so the browser and the edge ask again and get the variant once it exists.
 */
const STAND_IN = 'no-store';
/** Images never run as documents: an SVG opened directly can run no script (CSP sandbox). */
const MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

const sendImage = (reply: FastifyReply, image: StoredImage, contentType: string, cacheControl: string) =>
  reply
    .type(contentType)
    .header('content-length', image.size)
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', MEDIA_CSP)
    .send(image.body);

/**
 * Product images from the media store (app.media: the bucket on AWS, MEDIA_DIR on the twin), so
 * every instance serves every image. Only generated keys are asked for; anything else is a 404.
 */
const mediaRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
      const { key } = request.params;
      const image = isMediaKey(key) ? await app.media.open(key) : undefined;
      if (!image) throw notFound('Image');
      return sendImage(reply, image, mediaContentType(key), IMMUTABLE);
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
      const variantKey = variant && storedVariantKey(key, variant.width, variant.format);
      if (!variant || !variantKey) throw notFound('Image');
      const made = await app.media.open(variantKey);
      if (made) return sendImage(reply, made, MEDIA_CONTENT_TYPES[variant.format], IMMUTABLE);
      const original = await app.media.open(key);
      if (!original) throw notFound('Image');
      return sendImage(reply, original, mediaContentType(key), STAND_IN);
    },
  );
};

export default mediaRoutes;

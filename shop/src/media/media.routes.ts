import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { notFound } from '../errors.js';
import { errorResponses } from '../lib/error-body.js';
import { mediaContentType } from './media-keys.js';
import { mediaPath } from './media.store.js';

/** A key names its content forever (a new upload gets a new key), so caches may keep it a year (RFC 8246). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Images never run as documents: an SVG opened directly can run no script (CSP sandbox). */
const MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

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
      const info = file ? await stat(file).catch(() => undefined) : undefined;
      if (!file || !info?.isFile()) throw notFound('Image');
      return reply
        .type(mediaContentType(request.params.key))
        .header('content-length', info.size)
        .header('cache-control', IMMUTABLE)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', MEDIA_CSP)
        .send(createReadStream(file));
    },
  );
};

export default mediaRoutes;

import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { mediaStorageFor, type MediaStorage, type MediaStorageOptions } from './media-storage.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where product images are kept: the media bucket (MEDIA_BUCKET) or MEDIA_DIR. */
    media: MediaStorage;
  }
}

/** `app.media`, the store the config names, closed with the app. */
export default fp<{ config: Config } & MediaStorageOptions>(
  async function media(app: FastifyInstance, opts) {
    const storage = mediaStorageFor(opts.config, opts);
    app.decorate('media', storage);
    app.addHook('onClose', () => storage.close());
  },
  { name: 'media' },
);

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mediaBackends, type TestShop } from '../testing/index.js';
import { stockProduct } from '../testing/stocked-products.js';

const PHOTO = '0123456789abcdef0123456789abcdef.png';
const PLACEHOLDER = 'fedcba9876543210fedcba9876543210.svg';

describe.each(mediaBackends().map((backend) => [backend.name, backend] as const))('sized variants of product images, with the images in %s', (_name, backend) => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await backend.createShop(inject('pgAdminUrl'));
    backend.put(shop, PHOTO, 'the original png');
  });
  afterAll(async () => shop?.close());

  it('lists each image with an AVIF and a WebP srcset derived from its key, and none for an SVG', async () => {
    const product = await stockProduct(shop.sql, { stock: 1, images: [PHOTO, PLACEHOLDER] });
    const answer = (await shop.app.inject(`/api/products/${product.slug}`)).json();

    expect(answer.images).toEqual([`/media/${PHOTO}`, `/media/${PLACEHOLDER}`]);
    const variants = (format: string) => [320, 640, 1280].map((w) => `/media/variants/${PHOTO}/${w}.${format} ${w}w`).join(', ');
    expect(answer.pictures).toEqual([
      {
        src: `/media/${PHOTO}`,
        sources: [
          { type: 'image/avif', srcset: variants('avif') },
          { type: 'image/webp', srcset: variants('webp') },
        ],
      },
      { src: `/media/${PLACEHOLDER}`, sources: [] },
    ]);
  });

  it('serves the original, uncached, until the resize function has written the variant; then the variant, immutable', async () => {
    const before = await shop.app.inject(`/media/variants/${PHOTO}/640.webp`);
    expect(before.statusCode).toBe(200);
    expect(before.body).toBe('the original png');
    expect(before.headers).toMatchObject({ 'content-type': 'image/png', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });

    backend.put(shop, `variants/${PHOTO}/640.webp`, 'the 640 px webp');
    const after = await shop.app.inject(`/media/variants/${PHOTO}/640.webp`);
    expect(after.statusCode).toBe(200);
    expect(after.body).toBe('the 640 px webp');
    expect(after.headers).toMatchObject({ 'content-type': 'image/webp', 'cache-control': 'public, max-age=31536000, immutable' });
  });

  it('answers 404 for a size or format the function never makes, an SVG, a missing original or a key we did not generate', async () => {
    const missing = '00000000000000000000000000000000.jpg';
    for (const url of [
      `/media/variants/${PHOTO}/500.webp`,
      `/media/variants/${PHOTO}/640.jpg`,
      `/media/variants/${PHOTO}/640.webp.png`,
      `/media/variants/${PLACEHOLDER}/640.webp`,
      `/media/variants/${missing}/640.webp`,
      `/media/variants/..%2F..%2Fetc/640.webp`,
    ]) {
      const res = await shop.app.inject(url);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
    }
  });
});

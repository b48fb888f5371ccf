import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, inProcessS3, loginAs, type InProcessS3, type TestLogin, type TestShop } from '../testing/index.js';
import { stockProduct } from '../testing/stocked-products.js';
import { removeImage } from './media.store.js';

// The smallest valid PNG: 1 × 1, one transparent pixel.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082', 'hex');

function multipart(content: Buffer) {
  const boundary = '----evermall-bucket-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** The headers an image answer carries, less the ones that differ on every answer. */
const imageHeaders = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'date' && name !== 'x-request-id'));

describe('with MEDIA_BUCKET set, uploads go to the media bucket and are served from it', () => {
  let bucket: InProcessS3;
  let shop: TestShop;
  let folderShop: TestShop;
  let admin: TestLogin;
  beforeAll(async () => {
    bucket = inProcessS3({ bucket: 'evermall-app-mediapipelinebucket-1a2b3c' });
    shop = await createTestShop(inject('pgAdminUrl'), {}, { mediaBucket: bucket });
    folderShop = await createTestShop(inject('pgAdminUrl'));
    admin = await loginAs(shop.app, shop.sql, 'admin');
  });
  afterAll(async () => {
    await shop?.close();
    await folderShop?.close();
  });

  const upload = async () => {
    const product = await stockProduct(shop.sql, { stock: 1 });
    const form = multipart(PNG);
    const res = await shop.app.inject({
      method: 'POST',
      url: `/api/admin/products/${product.id}/images`,
      payload: form.payload,
      headers: { ...form.headers, cookie: admin.cookie },
    });
    expect(res.statusCode).toBe(201);
    return (res.json().images as string[])[0]!.slice('/media/'.length);
  };

  it('puts an accepted upload in the bucket under its generated key, typed, and nothing in MEDIA_DIR', async () => {
    const key = await upload();
    expect(key).toMatch(/^[0-9a-f]{32}\.png$/);
    expect(bucket.objects.get(key)).toMatchObject({ body: PNG, contentType: 'image/png' });
    expect(bucket.requests.filter((r) => r.operation === 'PutObject').map((r) => r.key)).toEqual([key]);
    expect(await folderShop.app.inject(`/media/${key}`).then((r) => r.statusCode)).toBe(404);
    expect(shop.config.MEDIA_BUCKET).toBe(bucket.bucket);
  });

  it('serves it back from the bucket with exactly the headers the folder gives the same image', async () => {
    const key = await upload();
    const fromBucket = await shop.app.inject(`/media/${key}`);
    expect(fromBucket.statusCode).toBe(200);
    expect(fromBucket.rawPayload.equals(PNG)).toBe(true);
    expect(bucket.requests.at(-1)).toMatchObject({ operation: 'GetObject', key });

    const staged = await folderShop.app.media.stage();
    await writeFile(staged.file, PNG, { flag: 'wx' });
    await staged.commit(key, 'image/png');
    const fromFolder = await folderShop.app.inject(`/media/${key}`);
    expect(imageHeaders(fromBucket.headers)).toEqual(imageHeaders(fromFolder.headers));
    expect(fromBucket.headers).toMatchObject({ 'content-type': 'image/png', 'cache-control': 'public, max-age=31536000, immutable', 'content-length': String(PNG.length) });
  });

  it('answers 404 for a key the bucket does not hold, and the original, uncached, for a variant not made yet', async () => {
    const missing = await shop.app.inject('/media/00000000000000000000000000000000.png');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');

    const key = await upload();
    const standIn = await shop.app.inject(`/media/variants/${key}/320.avif`);
    expect(standIn.statusCode).toBe(200);
    expect(standIn.rawPayload.equals(PNG)).toBe(true);
    expect(standIn.headers['cache-control']).toBe('no-store');
  });

  it('answers 500, not 404, when the bucket refuses the shop (a role without s3:GetObject)', async () => {
    const key = await upload();
    bucket.denyAccess = true;
    try {
      expect((await shop.app.inject(`/media/${key}`)).statusCode).toBe(500);
    } finally {
      bucket.denyAccess = false;
    }
  });

  it('removes an image with the variants the resize function made of it', async () => {
    const key = await upload();
    bucket.put(`variants/${key}/640.webp`, 'the 640 px webp', 'image/webp');
    bucket.put(`variants/${key}/1280.avif`, 'the 1280 px avif', 'image/avif');
    const others = [...bucket.objects.keys()].filter((k) => !k.includes(key));
    await removeImage(shop.app.media, key);
    expect([...bucket.objects.keys()].sort()).toEqual(others.sort());
  });
});

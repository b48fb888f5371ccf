import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loginAs, mediaBackends, type TestLogin, type TestShop } from '../testing/index.js';
import { stockProduct } from '../testing/stocked-products.js';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A tiny, well-formed PNG whose header declares `width` × `height` pixels (the body is one short row). */
function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(200))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function multipart(filename: string, content: Buffer) {
  const boundary = '----evermall-test-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe.each(mediaBackends().map((backend) => [backend.name, backend] as const))('image upload limits, with the images in %s', (_name, backend) => {
  let shop: TestShop;
  let admin: TestLogin;
  beforeAll(async () => {
    shop = await backend.createShop(inject('pgAdminUrl'));
    admin = await loginAs(shop.app, shop.sql, 'admin');
  });
  afterAll(async () => shop?.close());

  const upload = async (content: Buffer) => {
    const product = await stockProduct(shop.sql, { stock: 1 });
    const form = multipart('photo.png', content);
    const res = await shop.app.inject({
      method: 'POST',
      url: `/api/admin/products/${product.id}/images`,
      payload: form.payload,
      headers: { ...form.headers, cookie: admin.cookie },
    });
    const [row] = await shop.sql<{ images: string[] }[]>`SELECT images FROM products WHERE id = ${product.id}`;
    return { res, images: row!.images };
  };

  it('refuses a few hundred bytes declaring 50,000 × 50,000 px, leaving nothing behind', async () => {
    const bomb = pngDeclaring(50_000, 50_000);
    expect(bomb.length).toBeLessThan(400);
    const { res, images } = await upload(bomb);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'IMAGE_TOO_LARGE', details: { width: 50_000, height: 50_000 } });
    expect(images).toEqual([]);
    expect(backend.stored(shop)).toEqual([]);
  });

  it('refuses a side over the limit even when the pixel count is small', async () => {
    const { res, images } = await upload(pngDeclaring(20_000, 2));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('IMAGE_TOO_LARGE');
    expect(images).toEqual([]);
  });

  it('refuses an image whose dimensions cannot be read', async () => {
    // A JPEG by its magic bytes, with no frame header to say how big it is.
    const headless = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(200, 0x20)]);
    const { res, images } = await upload(headless);
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNREADABLE_IMAGE');
    expect(images).toEqual([]);
    expect(backend.stored(shop)).toEqual([]);
  });

  it('refuses a file that is not an image by its bytes, whatever its name says, leaving nothing behind', async () => {
    const { res, images } = await upload(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'));
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_IMAGE_TYPE');
    expect(images).toEqual([]);
    expect(backend.stored(shop)).toEqual([]);
  });

  it('accepts a photo-sized image (4,000 × 3,000), stores it whole under its key and serves it back', async () => {
    const photo = pngDeclaring(4_000, 3_000);
    const { res, images } = await upload(photo);
    expect(res.statusCode).toBe(201);
    expect(images).toHaveLength(1);
    expect(backend.stored(shop)).toEqual([images[0]]);
    const served = await shop.app.inject(`/media/${images[0]}`);
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(photo)).toBe(true);
    expect(served.headers).toMatchObject({ 'content-type': 'image/png', 'content-length': String(photo.length) });
  });
});

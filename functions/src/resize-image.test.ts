import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { imageVariants } from '@evermall/topology';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderMediaObjects } from './media-objects/index.js';
import { createResizeImageHandler, ResizeError } from './resize-image.js';
import { objectCreatedEvent } from './runner/s3-event.js';

const BUCKET = 'media';

/** A 1,000 × 500 JPEG, left half red and right half blue, whose EXIF says "rotate 90° clockwise to show" and names its author. */
function sidewaysPhoto(): Promise<Buffer> {
  const half = (r: number, b: number) => ({ input: { create: { width: 500, height: 500, channels: 3 as const, background: { r, g: 0, b } } } });
  return sharp({ create: { width: 1000, height: 500, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite([
      { ...half(255, 0), left: 0, top: 0 },
      { ...half(0, 255), left: 500, top: 0 },
    ])
    .jpeg()
    .withExif({ IFD0: { Artist: 'A. Photographer', Copyright: 'Evermall test' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A few hundred bytes of PNG whose header declares `width` × `height` pixels: a decompression bomb. */
function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8);
  header.writeUInt8(2, 9);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(200))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('resize-image', () => {
  let root: string;
  let resize: ReturnType<typeof createResizeImageHandler>;
  const upload = (key: string, body: Buffer | string) => {
    const file = path.join(root, BUCKET, key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
    return objectCreatedEvent({ bucket: BUCKET, key, size: Buffer.byteLength(body) });
  };
  const variantFiles = (key: string) => readdirSync(path.join(root, BUCKET, 'variants', key)).sort();
  const readVariant = (key: string, name: string) => sharp(path.join(root, BUCKET, 'variants', key, name));

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'evermall-resize-'));
    resize = createResizeImageHandler(new FolderMediaObjects(root));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes every width in AVIF and WebP, upright, without metadata, never enlarged', async () => {
    const [outcome] = await resize(upload('0123abcd.jpg', await sidewaysPhoto()));

    expect(outcome).toMatchObject({ bucket: BUCKET, key: '0123abcd.jpg' });
    expect(variantFiles('0123abcd.jpg')).toEqual(['1280.avif', '1280.webp', '320.avif', '320.webp', '640.avif', '640.webp']);
    // Upright, the photo is 500 × 1,000: 320 and 500 wide (640 and 1,280 are not enlarged past 500).
    const expected = { 320: [320, 640], 640: [500, 1000], 1280: [500, 1000] } as const;
    for (const width of imageVariants.widths) {
      for (const format of imageVariants.formats) {
        const meta = await readVariant('0123abcd.jpg', `${width}.${format}`).metadata();
        expect({ width, format, size: [meta.width, meta.height], exif: meta.exif, orientation: meta.orientation }).toEqual({
          width,
          format,
          size: expected[width],
          exif: undefined,
          orientation: undefined,
        });
        expect(meta.format).toBe(format === 'avif' ? 'heif' : 'webp');
      }
    }
    // Turned the right way: the red left half of the stored pixels is now on top.
    const { data, info } = await readVariant('0123abcd.jpg', '320.webp').raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    expect(pixel(160, 10)[0]).toBeGreaterThan(200);
    expect(pixel(160, 630)[2]).toBeGreaterThan(200);
  });

  it('rewrites the same keys when the event is delivered again', async () => {
    const event = upload(
      'feed.png',
      await sharp({ create: { width: 800, height: 600, channels: 4, background: '#36c' } })
        .png()
        .toBuffer(),
    );
    const first = await resize(event);
    const second = await resize(event);
    expect(second).toEqual(first);
    expect(variantFiles('feed.png')).toHaveLength(imageVariants.widths.length * imageVariants.formats.length);
    // Nothing else appears in the bucket: no temp files, no second set.
    expect(readdirSync(path.join(root, BUCKET)).sort()).toEqual(['feed.png', 'variants']);
  });

  it('decodes the key as S3 encodes it', async () => {
    const [outcome] = await resize(
      upload(
        '신발 사진+1.webp',
        await sharp({ create: { width: 400, height: 400, channels: 3, background: '#999' } })
          .webp()
          .toBuffer(),
      ),
    );
    expect(outcome).toMatchObject({ key: '신발 사진+1.webp' });
    expect(variantFiles('신발 사진+1.webp')).toContain('320.avif');
  });

  it('refuses a file that is not an image, and an SVG, writing nothing', async () => {
    await expect(resize(upload('notes.jpg', 'not a picture at all'))).rejects.toMatchObject({ name: 'ResizeError', code: 'NOT_AN_IMAGE' });
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100"/></svg>';
    await expect(resize(upload('logo.svg', svg))).rejects.toMatchObject({ code: 'NOT_AN_IMAGE', message: expect.stringContaining('svg') });
    expect(readdirSync(path.join(root, BUCKET)).sort()).toEqual(['logo.svg', 'notes.jpg']);
  });

  it('refuses a few hundred bytes declaring 50,000 × 50,000 px before decoding them', async () => {
    const bomb = pngDeclaring(50_000, 50_000);
    expect(bomb.length).toBeLessThan(400);
    const refusal = resize(upload('bomb.png', bomb));
    await expect(refusal).rejects.toBeInstanceOf(ResizeError);
    await expect(refusal).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE', message: expect.stringContaining('50000 × 50000') });
    expect(readdirSync(path.join(root, BUCKET))).toEqual(['bomb.png']);
  });

  it('says which object is missing, and never resizes its own variants', async () => {
    await expect(resize(objectCreatedEvent({ bucket: BUCKET, key: 'gone.jpg', size: 1 }))).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
    const variant = upload(
      'variants/a.jpg/320.webp',
      await sharp({ create: { width: 320, height: 320, channels: 3, background: '#000' } })
        .webp()
        .toBuffer(),
    );
    expect(await resize(variant)).toEqual([{ bucket: BUCKET, key: 'variants/a.jpg/320.webp', skipped: 'is-a-variant' }]);
    expect(readdirSync(path.join(root, BUCKET, 'variants'))).toEqual(['a.jpg']);
  });
});

import { text } from 'node:stream/consumers';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { inProcessS3, type InProcessS3 } from '../testing/in-process-s3.js';
import { describeMediaStorageContract } from './media-storage.contract.js';
import { S3MediaStorage } from './s3-media-storage.js';

let s3: InProcessS3 | undefined;
describeMediaStorageContract('the bucket (MEDIA_BUCKET)', {
  create: async () => {
    s3 = inProcessS3();
    return new S3MediaStorage({ bucket: s3.bucket, client: s3.client() });
  },
  stored: async () => [...s3!.objects.keys()].sort(),
  destroy: async () => {
    s3 = undefined;
  },
});

const KEY = '0123456789abcdef0123456789abcdef.png';

describe('S3MediaStorage: the requests it sends', () => {
  const storage = () => {
    const bucket = inProcessS3({ bucket: 'evermall-app-mediapipelinebucket-1a2b3c', region: 'ap-northeast-2' });
    return { bucket, media: new S3MediaStorage({ bucket: bucket.bucket, client: bucket.client() }) };
  };

  it('puts a checked image in one PutObject to its bucket, typed, with a CRC32 S3 checks, signed for the bucket’s region', async () => {
    const { bucket, media } = storage();
    const staged = await media.stage();
    await writeFile(staged.file, 'png bytes', { flag: 'wx' });
    await staged.commit(KEY, 'image/png');
    await staged.discard();

    const puts = bucket.requests.filter((r) => r.operation === 'PutObject');
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ bucket: 'evermall-app-mediapipelinebucket-1a2b3c', key: KEY });
    expect(puts[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/ap-northeast-2\/s3\/aws4_request/);
    expect(puts[0]!.headers['x-amz-checksum-crc32']).toBeDefined();
    expect(bucket.objects.get(KEY)).toMatchObject({ contentType: 'image/png', body: Buffer.from('png bytes') });
    expect(media.location).toBe('s3://evermall-app-mediapipelinebucket-1a2b3c');
    await media.close();
  });

  it('streams an object back as GetObject answers it', async () => {
    const { bucket, media } = storage();
    bucket.put(KEY, 'the original png', 'image/png');
    const image = await media.open(KEY);
    expect(image?.size).toBe(16);
    expect(await text(image!.body)).toBe('the original png');
    expect(bucket.requests.map((r) => r.operation)).toEqual(['GetObject']);
    await media.close();
  });

  it('fails, rather than answering "no such image", when S3 refuses the request (a role without the permission)', async () => {
    const { bucket, media } = storage();
    bucket.put(KEY, 'the original png', 'image/png');
    bucket.denyAccess = true;
    await expect(media.open(KEY)).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(media.has(KEY)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    const staged = await media.stage();
    await writeFile(staged.file, 'png bytes', { flag: 'wx' });
    await expect(staged.commit('fedcba9876543210fedcba9876543210.png', 'image/png')).rejects.toMatchObject({ name: 'AccessDenied' });
    await staged.discard();
    await media.close();
  });

  it('fails when the bucket does not exist, rather than answering "no such image"', async () => {
    const bucket = inProcessS3({ bucket: 'evermall-media' });
    const media = new S3MediaStorage({ bucket: 'evermall-media-typo', client: bucket.client() });
    await expect(media.open(KEY)).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await media.close();
  });
});

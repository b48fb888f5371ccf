import { describe, expect, it } from 'vitest';
import { decodeS3EventKey, encodeS3EventKey } from './s3-event-key.js';

describe('S3 event keys', () => {
  it('decodes the key as S3 encodes it: spaces as +, other characters percent-encoded', () => {
    expect(decodeS3EventKey('photos/summer+sale%3A+%EC%8B%A0%EB%B0%9C.jpg')).toBe('photos/summer sale: 신발.jpg');
  });

  it('round-trips keys with spaces, plus signs, slashes and Korean', () => {
    for (const key of ['a.jpg', 'variants/x/320.webp', 'a b+c.png', '신발 사진.avif', '100%.gif']) {
      expect(decodeS3EventKey(encodeS3EventKey(key))).toBe(key);
    }
    expect(encodeS3EventKey('a b+c/d.png')).toBe('a+b%2Bc/d.png');
  });
});

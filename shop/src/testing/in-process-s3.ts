import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';

/** An HTTP request as the SDK hands it to its request handler: serialized and signed, about to be sent. */
interface SignedRequest {
  method: string;
  hostname: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: Readable;
}

export interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly etag: string;
  readonly lastModified: Date;
  /** The CRC32 the client sent with PutObject (base64), which S3 checked against the body and returns on GET. */
  readonly checksumCrc32: string | undefined;
}

/** One request as S3 received it. */
export interface S3Request {
  readonly operation: 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'unsupported';
  readonly bucket: string;
  readonly key: string;
  readonly headers: Record<string, string>;
}

export interface InProcessS3 {
  readonly bucket: string;
  readonly region: string;
  /** The bucket's objects by key; tests may put objects in (as the resize function would) and look. */
  readonly objects: Map<string, StoredObject>;
  readonly requests: S3Request[];
  /** While true, every request is refused 403 AccessDenied, as for a role without the permission. */
  denyAccess: boolean;
  /** A client whose requests this S3 answers: serialized and signed as for AWS, with no network. A new one each call (its owner destroys it). */
  client(): S3Client;
  /** Stores an object as PutObject would. */
  put(key: string, body: string | Buffer, contentType?: string): void;
}

const crc32Of = (body: Buffer): string => {
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(body));
  return sum.toString('base64');
};

const xml = (statusCode: number, code: string, message: string, key: string): Answer => ({
  statusCode,
  headers: { 'content-type': 'application/xml' },
  body: Readable.from([
    Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Key>${key}</Key><RequestId>IN-PROCESS</RequestId></Error>`),
  ]),
});

async function bytesOf(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }
  throw new Error(`the in-process S3 cannot read a ${typeof body} body`);
}

/**
 * One S3 bucket in this process, answering a real S3Client through its request handler: the SDK
 * builds, checksums and signs each request exactly as it would for AWS, and this answers
 * PutObject, GetObject, HeadObject and DeleteObject as S3 does, with S3's status codes and error
 * bodies (404 NoSuchKey for a missing key, 404 without a body for HEAD, 403 AccessDenied, 400
 * BadDigest for a body that does not match its checksum). Nothing listens on any port.
 */
export function inProcessS3(options: { bucket?: string; region?: string } = {}): InProcessS3 {
  const bucket = options.bucket ?? 'evermall-test-media';
  const region = options.region ?? 'ap-northeast-2';
  const objects = new Map<string, StoredObject>();
  const requests: S3Request[] = [];

  const store = (key: string, body: Buffer, contentType: string | undefined, checksumCrc32: string | undefined): StoredObject => {
    const object = { body, contentType, etag: `"${createHash('md5').update(body).digest('hex')}"`, lastModified: new Date(), checksumCrc32 };
    objects.set(key, object);
    return object;
  };

  /** Virtual-hosted style (`<bucket>.s3.<region>.amazonaws.com/<key>`), which the SDK uses for a name like ours, or path style. */
  const addressOf = (request: SignedRequest): { bucket: string; key: string } => {
    const segments = request.path.replace(/^\//, '').split('/').map(decodeURIComponent);
    const host = /^(.+)\.s3\.[a-z0-9-]+\.amazonaws\.com$/.exec(request.hostname);
    if (host) return { bucket: host[1]!, key: segments.join('/') };
    return { bucket: segments[0]!, key: segments.slice(1).join('/') };
  };

  const answer = async (request: SignedRequest, address: { bucket: string; key: string }, s3: InProcessS3): Promise<Answer> => {
    const { key } = address;
    const empty = (statusCode: number, headers: Record<string, string> = {}): Answer => ({ statusCode, headers, body: Readable.from([]) });
    if (s3.denyAccess) return request.method === 'HEAD' ? empty(403) : xml(403, 'AccessDenied', 'Access Denied', key);
    if (address.bucket !== bucket) return xml(404, 'NoSuchBucket', 'The specified bucket does not exist', key);
    const found = objects.get(key);
    const described = (object: StoredObject): Record<string, string> => ({
      'content-length': String(object.body.length),
      ...(object.contentType ? { 'content-type': object.contentType } : {}),
      etag: object.etag,
      'last-modified': object.lastModified.toUTCString(),
      ...(object.checksumCrc32 ? { 'x-amz-checksum-crc32': object.checksumCrc32 } : {}),
    });
    switch (request.method) {
      case 'PUT': {
        const body = await bytesOf(request.body);
        const declared = request.headers['content-length'];
        if (declared !== undefined && Number(declared) !== body.length)
          return xml(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.', key);
        const checksum = request.headers['x-amz-checksum-crc32'];
        if (checksum !== undefined && checksum !== crc32Of(body)) return xml(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.', key);
        const object = store(key, body, request.headers['content-type'], checksum);
        return empty(200, { etag: object.etag, ...(checksum ? { 'x-amz-checksum-crc32': checksum } : {}) });
      }
      case 'GET':
        if (!found) return xml(404, 'NoSuchKey', 'The specified key does not exist.', key);
        return { statusCode: 200, headers: described(found), body: Readable.from([found.body]) };
      case 'HEAD':
        return found ? empty(200, described(found)) : empty(404);
      case 'DELETE':
        objects.delete(key);
        return empty(204);
      default:
        return xml(501, 'NotImplemented', `The in-process S3 does not answer ${request.method}`, key);
    }
  };

  const operations: Record<string, S3Request['operation']> = { PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' };
  const s3: InProcessS3 = {
    bucket,
    region,
    objects,
    requests,
    denyAccess: false,
    client: () =>
      new S3Client({
        region,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' },
        requestHandler: {
          handle: async (request: SignedRequest) => {
            const address = addressOf(request);
            requests.push({ operation: operations[request.method] ?? 'unsupported', ...address, headers: request.headers });
            return { response: await answer(request, address, s3) };
          },
        },
      }),
    put: (key, body, contentType) => void store(key, Buffer.from(body), contentType, undefined),
  };
  return s3;
}

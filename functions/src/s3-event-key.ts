/**
 * Object keys in S3 event notifications are URL-encoded, with a space as `+` (S3 User Guide,
 * "Event message structure": "The s3 key provides information about the bucket and object
 * involved in the event. The object key name value is URL encoded."). A handler that used the
 * key as given would miss every object whose name has a space or a non-ASCII letter.
 */
export const decodeS3EventKey = (encoded: string): string => decodeURIComponent(encoded.replace(/\+/g, ' '));

/** The key as S3 puts it in an event: each path segment URL-encoded, a space as `+`, slashes kept. */
export const encodeS3EventKey = (key: string): string =>
  key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');

import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ShopError } from '../errors.js';
import { isRetryableDbError } from '../db/pools.js';

/** Fastify's own 4xx errors, mapped to our stable codes and plain messages. */
const FASTIFY_CODES: Record<string, { code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_CONTENT_LENGTH', message: 'The Content-Length header does not match the body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', message: 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'The body is not valid JSON.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'INVALID_CONTENT_TYPE', message: 'The Content-Type header is not valid.' },
  FST_ERR_CTP_INVALID_CHARSET: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Only UTF-8 bodies are accepted.' },
  FST_ERR_VALIDATION: { code: 'VALIDATION_FAILED', message: 'The request is not valid.' },
  FST_REQ_FILE_TOO_LARGE: { code: 'FILE_TOO_LARGE', message: 'The file is too large.' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the upload as multipart/form-data.' },
  FST_PARTS_LIMIT: { code: 'TOO_MANY_PARTS', message: 'The upload has too many parts.' },
  FST_FILES_LIMIT: { code: 'TOO_MANY_FILES', message: 'Upload one file at a time.' },
  FST_FIELDS_LIMIT: { code: 'TOO_MANY_FIELDS', message: 'The upload has too many fields.' },
  FST_ERR_BAD_URL: { code: 'BAD_URL', message: 'The URL is not valid.' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'BAD_REQUEST', message: 'The request is not valid.' },
};

/**
 * The one error handler. Expected errors become `{ error: { code, message, details } }` with
 * their 4xx status; anything unexpected is logged with a summary of its request (no cookies, no
 * body) and answered with a 500 that hides the details.
 */
export default fp(
  async function errorHandler(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError | ShopError | Error, request, reply) => {
      if (err instanceof ShopError) {
        if (err.statusCode >= 500) request.log.error({ err }, 'shop error');
        return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, details: err.details } });
      }
      const fe = err as FastifyError;
      if (fe.validation) {
        const details = fe.validation.map((v) => ({ path: `${fe.validationContext ?? ''}${v.instancePath}`, message: v.message }));
        const first = details[0];
        const message = first ? `Invalid ${first.path || fe.validationContext || 'request'}: ${first.message}` : 'The request is not valid.';
        return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message, details } });
      }
      const status = fe.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const mapped = (fe.code && FASTIFY_CODES[fe.code]) || undefined;
        const code = mapped?.code ?? (status === 429 ? 'RATE_LIMITED' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST');
        const message = mapped?.message ?? (status === 429 ? 'Too many attempts. Please wait a minute and try again.' : fe.message || 'The request is not valid.');
        return reply.status(status).send({ error: { code, message } });
      }
      if (isRetryableDbError(err)) {
        // The primary is moving (failover) and the retry budget ran out: tell the client to retry.
        request.log.warn({ err }, 'database unavailable');
        return reply
          .status(503)
          .header('retry-after', '1')
          .send({ error: { code: 'TEMPORARILY_UNAVAILABLE', message: 'The shop is briefly unavailable. Please try again in a moment.' } });
      }
      const sqlState = (err as { code?: unknown }).code;
      if (typeof sqlState === 'string' && sqlState.startsWith('22')) {
        // A data exception (a value out of range for its column) is the client's input, not our fault.
        return reply.status(400).send({ error: { code: 'INVALID_VALUE', message: 'A value in the request is out of range.' } });
      }
      // `req` goes through Fastify's request serializer (method, url, host, remote address): never
      // the whole request, whose headers and body carry session cookies and passwords.
      request.log.error({ err, req: request }, 'unhandled error');
      return reply.status(500).send({ error: { code: 'INTERNAL', message: 'Something went wrong on our side. Please try again.' } });
    });

    app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No route for ${request.method} ${request.url.split('?')[0]}.` } }));
  },
  { name: 'error-handler' },
);

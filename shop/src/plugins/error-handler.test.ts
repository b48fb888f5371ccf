import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { testShopConfig } from '../testing/test-config.js';

/** Every log line the app writes, as text. */
function logSink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('error handler', () => {
  it('logs a 500 with the request summary and never the session token, authorization or password', async () => {
    const sink = logSink();
    // No database is reached: the failing route throws before any query (postgres.js connects lazily).
    const config = testShopConfig('postgres://x@127.0.0.1:1/x', '/nonexistent', { LOG_LEVEL: 'info' });
    const app = await buildApp({ config, logger: { stream: sink.stream } });
    app.post('/test/fails', async () => {
      throw new Error('the repository failed');
    });
    await app.ready();
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/test/fails',
        headers: { cookie: 'evermall_session=SESSION-TOKEN-abc123', authorization: 'Bearer BEARER-TOKEN-xyz789', 'content-type': 'application/json' },
        payload: { email: 'shopper@example.com', password: 'PASSWORD-hunter2-secret' },
      });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } });

      const log = sink.text();
      expect(log).toContain('unhandled error');
      expect(log).toContain('the repository failed');
      expect(log).toContain('/test/fails');
      expect(log).not.toContain('SESSION-TOKEN-abc123');
      expect(log).not.toContain('BEARER-TOKEN-xyz789');
      expect(log).not.toContain('PASSWORD-hunter2-secret');
    } finally {
      await app.close();
    }
  });

  it('redacts cookies, authorization and password fields whatever a log call passes', async () => {
    const sink = logSink();
    const config = testShopConfig('postgres://x@127.0.0.1:1/x', '/nonexistent', { LOG_LEVEL: 'info' });
    const app = await buildApp({ config, logger: { stream: sink.stream } });
    try {
      app.log.info({ req: { headers: { cookie: 'evermall_session=SESSION-TOKEN-abc123', authorization: 'Bearer BEARER-TOKEN-xyz789' } } }, 'careless');
      app.log.info({ body: { email: 'shopper@example.com', password: 'PASSWORD-hunter2-secret' } }, 'careless');
      const log = sink.text();
      expect(log).toContain('shopper@example.com');
      expect(log).not.toContain('SESSION-TOKEN-abc123');
      expect(log).not.toContain('BEARER-TOKEN-xyz789');
      expect(log).not.toContain('PASSWORD-hunter2-secret');
    } finally {
      await app.close();
    }
  });
});

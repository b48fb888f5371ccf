import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';

describe('freePort', () => {
  it('returns a port another server can then listen on', async () => {
    const port = await freePort();
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => resolve());
    });
    expect(srv.address()).toMatchObject({ port });
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });
});

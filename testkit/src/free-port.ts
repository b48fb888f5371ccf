import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now: the kernel picks it (listen on 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('the kernel gave no free port'))));
    });
  });
}

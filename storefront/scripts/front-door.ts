/**
 * A tiny front door for the built SPA: files from dist/, /api and /media proxied to a shop, and
 * every other path answered with index.html (client-side routes), as CloudFront and the twin do.
 * The e2e suite uses it so the SPA's requests are same-origin; `npm run preview` runs it by hand.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const PROXIED = /^\/(api|media|healthz|readyz)(\/|$|\?)/;

export interface FrontDoorOptions {
  distDir: string;
  shopUrl: string;
}

export function createFrontDoor({ distDir, shopUrl }: FrontDoorOptions): http.Server {
  const shop = new URL(shopUrl);
  const root = path.resolve(distDir);
  return http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (PROXIED.test(url)) {
      const upstream = http.request({ hostname: shop.hostname, port: shop.port, path: url, method: req.method, headers: { ...req.headers, 'x-forwarded-proto': 'http' } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'TEMPORARILY_UNAVAILABLE', message: 'The shop did not answer.' } }));
      });
      req.pipe(upstream);
      return;
    }
    const pathname = decodeURIComponent(url.split('?')[0] ?? '/');
    let file = path.resolve(root, `.${pathname}`);
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) file = path.join(root, 'index.html');
    const immutable = file.includes(`${path.sep}assets${path.sep}`);
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
}

export async function listen(server: http.Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('front door has no port');
  return address.port;
}

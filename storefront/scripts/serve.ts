/** `npm run preview -w storefront`: serves dist/ on PORT (default 5173) with /api and /media proxied to SHOP_URL. */
import { fileURLToPath } from 'node:url';
import { createFrontDoor, listen } from './front-door.js';

const shopUrl = process.env.SHOP_URL ?? 'http://127.0.0.1:8000';
const port = await listen(createFrontDoor({ distDir: fileURLToPath(new URL('../dist', import.meta.url)), shopUrl }), Number(process.env.PORT ?? 5173));
process.stdout.write(`storefront on http://127.0.0.1:${port} (API: ${shopUrl})\n`);

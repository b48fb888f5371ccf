import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// In development the shop runs elsewhere; /api and /media are proxied so requests stay
// same-origin, exactly as behind CloudFront and the twin's front door.
const shop = process.env.SHOP_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { proxy: { '/api': shop, '/media': shop } },
  build: {
    outDir: 'dist',
    // Vite prints each chunk's raw and gzip size; keep that report on.
    reportCompressedSize: true,
    // react-dom alone is about 220 kB minified (68 kB gzip); every other chunk is far below.
    chunkSizeWarningLimit: 230,
    rolldownOptions: {
      output: {
        // The framework changes less often than our pages: its own chunks stay cached across deploys.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 3 },
            { name: 'router', test: /node_modules[\\/](react-router|cookie|set-cookie-parser)[\\/]/, priority: 2 },
            { name: 'query', test: /node_modules[\\/]@tanstack[\\/]/, priority: 1 },
          ],
        },
      },
    },
  },
});

import { defineProject } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

export default defineProject({
  plugins: [react()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  test: {
    name: 'storefront',
    // Unit and component tests carry `@vitest-environment happy-dom`; the browser journeys
    // (e2e/) run in node and drive Debian's Chromium.
    include: ['src/**/*.test.{ts,tsx}', 'e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // The browser journeys start PostgreSQL, a shop and Chromium: run them after the
    // unit and API projects so they do not compete for the two cores.
    sequence: { groupOrder: 1 },
  },
});

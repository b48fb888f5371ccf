import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'containers', include: ['src/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 900_000 },
});

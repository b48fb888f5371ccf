import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'shop',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['src/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files run in parallel, each against its own database cloned from a migrated template.
    pool: 'forks',
  },
});

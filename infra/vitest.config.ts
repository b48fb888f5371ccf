import { defineProject } from 'vitest/config';

// Each test file synthesizes its configuration once (beforeAll); the first synth in a
// process takes seconds, so the timeouts are long. Nothing here asserts a duration.
export default defineProject({
  test: {
    name: 'infra',
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    sequence: { groupOrder: 0 },
  },
});

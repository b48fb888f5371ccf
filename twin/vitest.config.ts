import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'twin',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A twin runs Postgres ×4, HAProxy and shop processes: on 2 cores, one file at a time,
    // after the other projects (groupOrder), each file starting one twin for all its scenarios.
    sequence: { groupOrder: 2 },
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});

import { defineConfig } from 'vitest/config';

// One runner for every workspace. Each workspace has its own vitest.config.ts (a project).
export default defineConfig({
  test: {
    projects: ['scripts', 'topology', 'testkit', 'shop', 'infra', 'twin', 'storefront', 'containers', 'functions'].map((w) => `${w}/vitest.config.ts`).filter(exists),
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
import { statSync } from 'node:fs';

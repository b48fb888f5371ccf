/**
 * What a release holds, relative to its folder. shop/build.mjs writes it (Node runs this file with
 * its built-in type stripping, so it imports nothing) and service.ts starts from it.
 */
export const releaseLayout = {
  /** The Node runtime the release runs on: no instance installs Node from a package repository. */
  runtime: 'runtime/node',
  server: 'server.js',
  cli: 'cli.js',
  migrations: 'migrations',
} as const;

/** The Node major the bundle targets and ships; build.mjs refuses a runtime of another major. */
export const runtimeMajor = 24;

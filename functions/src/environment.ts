/**
 * A setting in the environment is missing or malformed. A function reads its settings before it
 * handles anything (the twin's runner at start, Lambda at its first invocation) and stops with
 * this error, which names the variable, instead of failing later on the first event.
 */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
  readonly code = 'BAD_ENVIRONMENT';

  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}

/** The environment a function reads: process.env, or what a test or the twin's runner passes. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A variable that must be set and not blank. */
export function requiredVariable(env: Environment, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvironmentError(name, `is required: ${what}`);
  return value;
}

/** A variable that may be left out; blank counts as left out. */
export function optionalVariable(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

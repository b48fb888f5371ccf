import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { appFor, configurations, type ConfigurationName } from '../../lib/configurations.js';
import { createEvermall, type EvermallStacks } from '../../lib/evermall.js';
import type { StackRole } from '../../lib/nag-acknowledgements.js';

export interface Synthesized {
  readonly name: ConfigurationName;
  readonly stacks: EvermallStacks;
  /** One Template per stack of this configuration. */
  readonly templates: Partial<Record<StackRole, Template>>;
  /** The cloud assembly directory (templates, assets), as `cdk synth` writes it. */
  readonly outdir: string;
  /** Unacknowledged cdk-nag findings per stack: `rule at construct path`. */
  readonly nagFindings: string[];
  /** Context values the synthesis wanted to look up (must be none: no fromLookup, no AZ lookup). */
  readonly missingContext: unknown[];
}

const roles: StackRole[] = ['network', 'data', 'app', 'edgeFirewall', 'edge', 'observability', 'failover', 'identity'];

/**
 * Synthesizes one named configuration exactly as `npm run synth` does: an App with cdk.json's
 * context, no credentials, into a temporary cloud assembly. Call it once per test file.
 */
export function synthesize(name: ConfigurationName, overrides: Record<string, string> = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), `evermall-${name}-`));
  // Staging would copy the shop bundle and the storefront into every temporary assembly; the
  // templates (and asset hashes) are the same without the copy.
  const app = appFor({ ...configurations[name], ...overrides, 'aws:cdk:disable-asset-staging': 'true' }, outdir);
  const stacks = createEvermall(app);
  const nagFindings: string[] = [];
  for (const role of roles) {
    const stack = stacks[role];
    if (!stack) continue;
    for (const v of new AwsSolutionsChecks(app).validateScope(stack).violations) {
      for (const r of v.violatingResources) nagFindings.push(`${v.ruleName} at ${r.constructPath ?? '?'}`);
    }
  }
  const assembly = app.synth();
  const templates: Partial<Record<StackRole, Template>> = {};
  for (const role of roles) {
    const stack: Stack | undefined = stacks[role];
    if (stack) templates[role] = Template.fromJSON(assembly.getStackByName(stack.stackName).template as Record<string, unknown>);
  }
  return { name, stacks, templates, outdir, nagFindings, missingContext: assembly.manifest.missing ?? [] };
}

/** The template of a stack that must exist in this configuration. */
export function template(s: Synthesized, role: StackRole): Template {
  const t = s.templates[role];
  if (!t) throw new Error(`${s.name} has no ${role} stack`);
  return t;
}

/** CloudFormation JSON is untyped; the tests navigate it freely and assert on what they find. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CfnJson = any;

export interface ResourceOf {
  readonly id: string;
  readonly Type: string;
  readonly Properties: Record<string, CfnJson>;
  readonly [key: string]: CfnJson;
}

/** Every resource of a type, with its logical id. */
export function resourcesOf(t: Template, type: string): ResourceOf[] {
  return Object.entries(t.findResources(type)).map(([id, r]) => ({ id, ...(r as { Type: string; Properties: Record<string, CfnJson> }) }));
}

/** The one resource of a type; fails when there are none or several. */
export function only(t: Template, type: string): ResourceOf {
  const all = resourcesOf(t, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0]!;
}

/** Renders an Fn::Join/Ref/ImportValue tree as text, with references shown as ${...}. */
export function renderText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(renderText).join('');
  if (value && typeof value === 'object') {
    const [fn, arg] = Object.entries(value)[0] ?? [];
    if (fn === 'Fn::Join' && Array.isArray(arg)) return (arg[1] as unknown[]).map(renderText).join(String(arg[0]));
    if (fn === 'Fn::Base64') return renderText(arg);
    return `\${${fn}:${JSON.stringify(arg)}}`;
  }
  return '';
}

export interface CfnLintResult {
  readonly available: boolean;
  readonly errors: string[];
  readonly output: string;
}

/**
 * Runs cfn-lint once on every template of the given cloud assemblies (one process: its start-up
 * dominates); reports E-level findings.
 */
export function cfnLint(...outdirs: string[]): CfnLintResult {
  const files = outdirs.flatMap((outdir) =>
    readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => path.join(outdir, f)),
  );
  const run = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...files], { encoding: 'utf8' });
  if (run.error) return { available: false, errors: [], output: String(run.error) };
  const output = `${run.stdout}${run.stderr}`;
  // Exit status is a bit mask: 2 errors, 4 warnings, 8 informational; 1 means cfn-lint itself
  // failed (or it was killed), which must fail the test rather than pass with no findings.
  if (run.status === null || (run.status & 1) === 1) {
    return { available: true, errors: [`cfn-lint did not complete (status ${run.status}): ${output.slice(0, 2000)}`], output };
  }
  const errors = output.split('\n').filter((line) => /:E\d{4}:/.test(line));
  return { available: true, errors, output };
}

/** Present on PATH. Whether it then runs is the test's business, not a reason to skip. */
export const cfnLintAvailable = spawnSync('sh', ['-c', 'command -v cfn-lint'], { stdio: 'ignore' }).status === 0;

/**
 * The Node part of the env step (`evermall-write-env` in user-data.ts), written to `dir/env-step.cjs`
 * so that a test can run it as an instance would, with the instance's secrets folder moved into
 * `dir` and no chown (tests do not run as root). Returns the script's path.
 */
export function writeEnvStep(userData: string, secretsDir: string, dir: string): string {
  const script = /\$\{runtimeNode\} -e '([\s\S]*?)'\n/.exec(userData.replaceAll('/opt/evermall/current/runtime/node', '${runtimeNode}'))?.[1];
  if (!script) throw new Error('no env step in the user data');
  const file = path.join(dir, 'env-step.cjs');
  writeFileSync(file, script.replaceAll(secretsDir, dir).replace(/fs\.chownSync\([^)]*\);/, ''));
  return file;
}

/** Valid cache inputs of the env step (the AUTH token as Secrets Manager returns it, the primary endpoint), for tests about its other parts. */
export const cacheEnvStepInputs = {
  CACHE_AUTH: 'Xy7pQ2mN8vR4tK6wZ1aB3cD5eF9gH0jL2nP4qS6uW8yA1bC3dE5fG7hJ9kL0mN2p',
  CACHE_HOST: 'master.evermall-cache.abc123.apn2.cache.amazonaws.com',
} as const;

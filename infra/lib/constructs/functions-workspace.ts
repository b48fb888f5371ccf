import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { workspaceDir } from './workspace.js';

/**
 * The platform every function from the functions workspace runs on. x86_64 like the rest of infra
 * (the instances, the database-roles function), which is also the platform whose native packages
 * (sharp's libvips) the build machines install; Node 24, the newest Lambda runtime aws-cdk-lib has.
 */
export const functionPlatform = {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.X86_64,
  /** For packages with prebuilt binaries: what `npm install --os --cpu --libc` would pick for Lambda. */
  npm: { os: 'linux', cpu: 'x64', libc: 'glibc' },
} as const;

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A handler's source in the functions workspace (`src/<relative>`), found through its package name. */
export function functionsEntry(relative: string): string {
  return path.join(workspaceDir('@evermall/functions'), 'src', relative);
}

/**
 * ESM bundles may still reach CommonJS code that calls `require` (nodemailer, for one); esbuild's
 * shim throws unless a real `require` exists, so every bundle starts by making one.
 */
const requireShim = "import { createRequire as __evermallCreateRequire } from 'node:module'; const require = __evermallCreateRequire(import.meta.url);";

export interface FunctionsWorkspaceFunctionProps extends Omit<nodejs.NodejsFunctionProps, 'entry' | 'runtime' | 'architecture' | 'bundling' | 'logGroup'> {
  /** Under functions/src, e.g. `consumers/order-notifier.ts`. */
  readonly entry: string;
  /** Packages left out of the bundle and copied beside it instead (packagesForLambda). */
  readonly copiedPackages?: readonly CopiedPackage[];
}

/**
 * A Lambda function whose handler lives in the functions workspace, bundled by esbuild at synth
 * (no Docker), with active X-Ray tracing and a log group kept a month. The AWS SDK clients the
 * workspace pins are bundled, not taken from the runtime, so Lambda runs the versions its tests ran.
 */
export function functionsWorkspaceFunction(scope: Construct, id: string, props: FunctionsWorkspaceFunctionProps): nodejs.NodejsFunction {
  const { entry, copiedPackages = [], ...rest } = props;
  return new nodejs.NodejsFunction(scope, id, {
    handler: 'handler',
    tracing: lambda.Tracing.ACTIVE,
    ...rest,
    entry: functionsEntry(entry),
    runtime: functionPlatform.runtime,
    architecture: functionPlatform.architecture,
    logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: 'node24',
      banner: requireShim,
      externalModules: copiedPackages.map((p) => p.name),
      // Bundled with the esbuild in node_modules; there is no Docker on the build machines.
      forceDockerBundling: false,
      ...(copiedPackages.length > 0 ? { commandHooks: copyPackagesHooks(copiedPackages) } : {}),
    },
    depsLockFilePath: path.join(repositoryRoot, 'package-lock.json'),
    projectRoot: repositoryRoot,
  });
}

/** An installed package to ship beside a bundle: its name and folder. */
export interface CopiedPackage {
  readonly name: string;
  readonly dir: string;
}

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** The folder of an installed package as Node would find it from `fromDir` (node_modules upwards; exports maps do not matter for folders). */
function installedPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

const fitsLambda = (m: Manifest): boolean =>
  (!m.os || m.os.includes(functionPlatform.npm.os)) && (!m.cpu || m.cpu.includes(functionPlatform.npm.cpu)) && (!m.libc || m.libc.includes(functionPlatform.npm.libc));

/**
 * A package and everything it loads at run time on Lambda's platform: its dependencies, and those of
 * its optional dependencies that are installed and built for linux-x64-glibc (a native package's
 * prebuilt binary). `required` names optional packages that must be among them: without the
 * platform's binary the function would fail at its first invocation, so synthesis fails instead,
 * saying what to install (as shop/build.mjs does for argon2).
 */
export function packagesForLambda(root: string, fromDir: string, required: readonly string[] = []): CopiedPackage[] {
  const found = new Map<string, CopiedPackage>();
  const visit = (name: string, from: string, optional: boolean): void => {
    if (found.has(name)) return;
    const dir = installedPackageDir(name, from);
    if (!dir) {
      if (optional) return;
      throw new Error(`${name} is not installed (needed by the ${root} Lambda bundle): run npm ci`);
    }
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
    if (optional && !fitsLambda(manifest)) return;
    found.set(name, { name, dir });
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  visit(root, fromDir, false);
  const { os, cpu, libc } = functionPlatform.npm;
  for (const name of required) {
    if (!found.has(name)) {
      throw new Error(`${name} (the ${os}-${cpu}-${libc} build Lambda runs) is not installed: run npm install --no-save --os=${os} --cpu=${cpu} --libc=${libc} ${root}`);
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** Copies the packages into the bundle's node_modules once esbuild has written it (local bundling runs these with bash). */
function copyPackagesHooks(packages: readonly CopiedPackage[]): nodejs.ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) =>
      packages.flatMap((p) => {
        const target = path.join(outputDir, 'node_modules', p.name);
        return [`mkdir -p ${quote(path.dirname(target))}`, `cp -R ${quote(p.dir)} ${quote(target)}`];
      }),
  };
}

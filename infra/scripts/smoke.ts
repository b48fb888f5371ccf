// The post-deploy smoke check: the deployed shop through its public URL, as a shopper reaches it
// (CloudFront, its WAF, the origin header, the ALB, an instance, the database).
// Usage: tsx scripts/smoke.ts <base URL> [--attempts N] [--delay-seconds S]; exits 1 when a check never passes.
import { pathToFileURL } from 'node:url';

export interface SmokeCheck {
  readonly path: string;
  /** Why an answer is not good enough, or undefined when it is. */
  readonly verify: (status: number, contentType: string, body: string) => string | undefined;
}

const isJson = (contentType: string) => contentType.toLowerCase().startsWith('application/json');

/** What a shopper needs: the shop ready (its database reachable) and the catalog answering. */
export const smokeChecks: readonly SmokeCheck[] = [
  { path: '/readyz', verify: (status) => (status === 200 ? undefined : `status ${status}`) },
  {
    path: '/api/products',
    verify: (status, contentType, body) => {
      if (status !== 200) return `status ${status}`;
      if (!isJson(contentType)) return `content-type ${contentType || 'none'}`;
      try {
        const parsed = JSON.parse(body) as { items?: unknown };
        return Array.isArray(parsed.items) ? undefined : 'no items array';
      } catch {
        return 'not JSON';
      }
    },
  },
];

export interface SmokeOptions {
  readonly attempts: number;
  readonly delayMs: number;
  readonly log?: (line: string) => void;
}

/**
 * Runs every check, each retried up to `attempts` times (a new instance may still be warming, and
 * CloudFront may serve an older error for a moment). Resolves with the failures: empty means healthy.
 */
export async function runSmoke(baseUrl: string, options: SmokeOptions): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const failures: string[] = [];
  for (const check of smokeChecks) {
    const url = new URL(check.path, baseUrl).toString();
    let last = '';
    for (let attempt = 1; attempt <= options.attempts; attempt += 1) {
      try {
        const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(10_000), headers: { 'cache-control': 'no-cache' } });
        const body = await response.text();
        const problem = check.verify(response.status, response.headers.get('content-type') ?? '', body);
        if (problem === undefined) {
          log(`ok   ${url} (attempt ${attempt})`);
          last = '';
          break;
        }
        last = problem;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      log(`fail ${url} (attempt ${attempt}/${options.attempts}): ${last}`);
      if (attempt < options.attempts) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    }
    if (last) failures.push(`${url}: ${last}`);
  }
  return failures;
}

function flag(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} needs a whole number`);
  return value;
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || !args[0] || args[0].startsWith('--')) {
    process.stdout.write(
      'Usage: tsx scripts/smoke.ts <base URL> [--attempts N (10)] [--delay-seconds S (15)]\n' +
        `Checks ${smokeChecks.map((c) => c.path).join(' and ')}; exits 1 if one never passes.\n`,
    );
    return args.includes('--help') ? 0 : 64;
  }
  const failures = await runSmoke(args[0], {
    attempts: Math.max(1, flag(args, '--attempts', 10)),
    delayMs: flag(args, '--delay-seconds', 15) * 1000,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  for (const failure of failures) process.stderr.write(`smoke check failed: ${failure}\n`);
  return failures.length === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}

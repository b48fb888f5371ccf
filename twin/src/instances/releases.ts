import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { exited, spawnPart } from '../processes.js';

/** Releases kept: the one new instances run and the one before it (a deploy in flight still runs it). */
const KEPT_RELEASES = 2;

/**
 * The shop releases of one twin, `<root>/<n>`: each built by shop/build.mjs as CI builds the S3
 * asset on AWS (bundle, Node runtime, migrations), so the instances run the same artifact an EC2
 * instance runs. A new one per `npm start` and per `deploy`.
 */
export class Releases {
  constructor(
    private readonly root: string,
    /** The shop workspace, holding build.mjs. */
    private readonly shopDir: string,
    private readonly logFile: string,
  ) {}

  /** Builds the shop into the next numbered folder and returns it; aborting `signal` kills the build. */
  async build(signal?: AbortSignal): Promise<string> {
    mkdirSync(this.root, { recursive: true });
    const dir = path.join(this.root, String(Math.max(0, ...this.numbers()) + 1));
    const child = spawnPart(process.execPath, [path.join(this.shopDir, 'build.mjs'), '--out', dir], { cwd: this.shopDir, logFile: this.logFile, signal });
    await exited(child);
    if (child.exitCode !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`building the shop release failed: see ${this.logFile}`);
    }
    return dir;
  }

  /** Removes releases older than the newest two that no instance runs any more. */
  prune(inUse: Iterable<string>): void {
    const keep = new Set([...inUse].map((dir) => path.resolve(dir)));
    const numbers = this.numbers().sort((a, b) => b - a);
    for (const n of numbers.slice(KEPT_RELEASES)) {
      const dir = path.join(this.root, String(n));
      if (!keep.has(dir)) rmSync(dir, { recursive: true, force: true });
    }
  }

  private numbers(): number[] {
    try {
      return readdirSync(this.root)
        .filter((name) => /^\d+$/.test(name))
        .map(Number);
    } catch {
      return [];
    }
  }
}

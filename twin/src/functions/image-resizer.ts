import type { ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resizeFunction } from '@evermall/topology';
import { spawnPart, stopGroup, waitFor, type Owner } from '../processes.js';

export interface ImageResizerOptions {
  /** The folder whose sub-folders stand in for S3 buckets, and the bucket the instances' uploads land in (their MEDIA_DIR). */
  root: string;
  bucket: string;
  /** The on-failure destination: one Lambda invocation record per event that failed three times. */
  failureDir: string;
  logFile: string;
  /** The instances' service user: the variants are written into their media folder, so by its owner. */
  owner: Owner | undefined;
}

/** How long the watcher may take to start: tsx compiles the function on the way. */
const START_TIMEOUT_MS = 30_000;
/** A stop lets a resize under way finish, as Lambda lets an invocation run to its timeout. */
const STOP_BOUND_MS = resizeFunction.timeoutSeconds * 1000 + 5000;

/** The resize function's twin entry point, run with tsx from the functions workspace (no build step, as Lambda has none here). */
const cli = path.join(path.dirname(fileURLToPath(import.meta.resolve('@evermall/functions'))), 'runner', 'resize-images.cli.ts');

/**
 * The resize Lambda of the twin: a process that watches the media bucket's folder and runs the
 * resize-image handler, unchanged, for each new original (functions/src/runner/). A process of
 * its own, as a Lambda is: AVIF encoding never takes the supervisor's threads.
 */
export class ImageResizer {
  private child: ChildProcess | undefined;

  constructor(private readonly options: ImageResizerOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(signal?: AbortSignal): Promise<void> {
    const { root, bucket, failureDir, logFile, owner } = this.options;
    const started = Date.now();
    // The function runs as the instances' user (it writes into their media folder) and records failures here.
    mkdirSync(failureDir, { recursive: true });
    if (owner) chownSync(failureDir, owner.uid, owner.gid);
    this.child = spawnPart(process.execPath, ['--import', 'tsx', cli, '--root', root, '--bucket', bucket, '--failures', failureDir], { logFile, owner, signal });
    const child = this.child;
    await waitFor(
      'the resize function to watch its bucket',
      async () => {
        if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}; see ${logFile}`);
        const log = await readFile(logFile, 'utf8');
        // The log is appended to across restarts: only this start's line counts.
        return log
          .split('\n')
          .filter((line) => line.includes('"watching for originals"'))
          .some((line) => Date.parse((JSON.parse(line) as { time: string }).time) >= started - 1000)
          ? true
          : undefined;
      },
      START_TIMEOUT_MS,
      100,
      signal,
    );
  }

  /** Resizes under way finish; events still waiting are recorded in the failure folder (RunnerStopped). */
  async stop(): Promise<void> {
    if (this.child) await stopGroup(this.child, STOP_BOUND_MS);
  }
}

/**
 * The twin's resize function: watches the folder that stands in for the media bucket and runs
 * the resize-image handler, as Lambda would, for every original that appears in it. A process of
 * its own, as Lambda is, so that encoding AVIF never takes the threads of the process that
 * started it. Logs one JSON line per event on stdout.
 *
 *   tsx functions/src/runner/resize-images.cli.ts --root .twin/s3 --bucket media --failures .twin/functions/resize-image/failed
 *
 * Settings come from topology's `resizeFunction` unless a flag says otherwise. SIGTERM or SIGINT
 * stops it: running resizes finish, events still waiting are recorded in the failure folder.
 */
import { parseArgs } from 'node:util';
import { imageVariants, resizeFunction } from '@evermall/topology';
import type { S3Event } from 'aws-lambda';
import { FolderMediaObjects } from '../media-objects/index.js';
import { createResizeImageHandler } from '../resize-image.js';
import { BucketFolderNotifications } from './bucket-folder-notifications.js';
import { FunctionRunner, type RunnerLog } from './function-runner.js';

const USAGE = 'Usage: resize-images --root <folder of buckets> --bucket <name> --failures <folder> [--concurrency N] [--timeout-seconds N] [--retry-delays-seconds 60,120]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function wholeNumber(flag: string, text: string | undefined, fallback: number, minimum: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < minimum) fail(`--${flag} must be a whole number of at least ${minimum}, not "${text}"`);
  return n;
}

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    bucket: { type: 'string' },
    failures: { type: 'string' },
    concurrency: { type: 'string' },
    'timeout-seconds': { type: 'string' },
    'retry-delays-seconds': { type: 'string' },
  },
});
if (!values.root || !values.bucket || !values.failures) fail('--root, --bucket and --failures are required.');
const retryDelaysSeconds = values['retry-delays-seconds']?.split(',').map((d) => wholeNumber('retry-delays-seconds', d, 0, 0)) ?? resizeFunction.retryDelaysSeconds;

const line = (level: string) => (fields: object, message: string) =>
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), ...fields, msg: message })}\n`);
const log: RunnerLog = { info: line('info'), warn: line('warn') };

const runner = new FunctionRunner<S3Event, unknown>({
  name: 'resize-image',
  handler: createResizeImageHandler(new FolderMediaObjects(values.root)),
  concurrency: wholeNumber('concurrency', values.concurrency, resizeFunction.concurrency, 1),
  timeoutMs: wholeNumber('timeout-seconds', values['timeout-seconds'], resizeFunction.timeoutSeconds, 1) * 1000,
  memoryMb: resizeFunction.memoryMb,
  retryDelaysMs: retryDelaysSeconds.map((s) => s * 1000),
  failureDir: values.failures,
  log,
});
const notifications = new BucketFolderNotifications({
  root: values.root,
  bucket: values.bucket,
  suffixes: imageVariants.originalSuffixes,
  notify: (event) => {
    log.info({ key: event.Records[0]?.s3.object.key }, 'object created');
    // A failure record that cannot be written is the one loss the runner cannot record: stop loudly.
    runner.invoke(event).catch((err: unknown) => {
      process.stderr.write(`resize-images: cannot write to the failure folder: ${String(err)}\n`);
      process.exit(1);
    });
  },
  onError: (err) => {
    process.stderr.write(`resize-images: cannot watch ${values.root}/${values.bucket}: ${err.message}\n`);
    process.exit(1);
  },
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  notifications.close();
  void runner.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
log.info({ root: values.root, bucket: values.bucket, failures: values.failures }, 'watching for originals');

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3Event } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FunctionRunner, type AsyncHandler } from './function-runner.js';
import { objectCreatedEvent } from './s3-event.js';

const upload = (key: string): S3Event => objectCreatedEvent({ bucket: 'media', key, size: 1234 });

describe('FunctionRunner', () => {
  let failureDir: string;
  const runners: FunctionRunner<S3Event, unknown>[] = [];
  const runner = <R>(handler: AsyncHandler<S3Event, R>, options: { concurrency?: number; timeoutMs?: number } = {}) => {
    const r = new FunctionRunner<S3Event, R>({
      name: 'resize-image',
      handler,
      concurrency: options.concurrency ?? 2,
      timeoutMs: options.timeoutMs ?? 5_000,
      memoryMb: 1769,
      // Lambda waits one and two minutes; the same two retries, shortened.
      retryDelaysMs: [5, 10],
      failureDir,
    });
    runners.push(r as FunctionRunner<S3Event, unknown>);
    return r;
  };
  const failures = () => readdirSync(failureDir).map((name) => JSON.parse(readFileSync(path.join(failureDir, name), 'utf8')));

  beforeEach(() => {
    failureDir = mkdtempSync(path.join(tmpdir(), 'evermall-failures-'));
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.close()));
    rmSync(failureDir, { recursive: true, force: true });
  });

  it('retries a handler that fails twice, which then succeeds on its third run, with the same request id', async () => {
    const seen: { key: string; requestId: string; remainingMs: number }[] = [];
    const flaky = runner(async (event, context) => {
      seen.push({ key: event.Records[0]!.s3.object.key, requestId: context.awsRequestId, remainingMs: context.getRemainingTimeInMillis() });
      if (seen.length < 3) throw new Error(`failure ${seen.length}`);
      return 'resized';
    });

    const result = await flaky.invoke(upload('a b.jpg'));

    expect(result).toMatchObject({ status: 'succeeded', attempts: 3, response: 'resized' });
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.requestId))).toEqual(new Set([result.requestId]));
    expect(seen[0]).toMatchObject({ key: 'a+b.jpg' });
    expect(seen[0]!.remainingMs).toBeGreaterThan(0);
    expect(failures()).toEqual([]);
  });

  it('fails an attempt that runs past the timeout, retries it twice, then records the event in the failure folder', async () => {
    let runs = 0;
    const hung = runner(
      () => {
        runs++;
        return new Promise<never>(() => {});
      },
      { timeoutMs: 20 },
    );
    const event = upload('photo.jpg');

    const result = await hung.invoke(event);

    expect(result).toMatchObject({ status: 'failed', condition: 'RetriesExhausted', attempts: 3 });
    expect(runs).toBe(3);
    const [record, ...more] = failures();
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        requestId: result.requestId,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        functionArn: expect.stringMatching(/:function:resize-image:\$LATEST$/),
      },
      requestPayload: event,
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.02 seconds' },
    });
  });

  it('records what the handler threw, and a timed-out attempt gives its slot back', async () => {
    const broken = runner(
      async (event) => {
        if (event.Records[0]!.s3.object.key === 'hang.jpg') return new Promise<never>(() => {});
        throw new TypeError('Cannot read the original');
      },
      { concurrency: 1, timeoutMs: 20 },
    );
    const [hanging, throwing] = await Promise.all([broken.invoke(upload('hang.jpg')), broken.invoke(upload('bad.jpg'))]);

    expect(hanging).toMatchObject({ status: 'failed', attempts: 3, error: { errorType: 'Sandbox.Timedout' } });
    expect(throwing).toMatchObject({ status: 'failed', attempts: 3, error: { errorType: 'TypeError', errorMessage: 'Cannot read the original' } });
    expect(failures()).toHaveLength(2);
  });

  it('runs at most `concurrency` invocations at once and queues the rest', async () => {
    let running = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = runner(
      async () => {
        running++;
        most = Math.max(most, running);
        await gate;
        running--;
      },
      { concurrency: 3 },
    );

    const results = Array.from({ length: 10 }, (_, i) => slow.invoke(upload(`${i}.jpg`)));
    await vi.waitFor(() => expect(running).toBe(3));
    // The others are queued, not started, however long they wait.
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toBe(3);
    release();

    expect((await Promise.all(results)).map((r) => r.status)).toEqual(Array(10).fill('succeeded'));
    expect(most).toBe(3);
  });

  it('records the events still waiting when it stops, so none is lost without a trace', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stuck = runner(() => gate, { concurrency: 1 });
    const first = stuck.invoke(upload('first.jpg'));
    const second = stuck.invoke(upload('second.jpg'));

    const closed = stuck.close();
    release();
    await closed;

    expect(await first).toMatchObject({ status: 'succeeded' });
    expect(await second).toMatchObject({ status: 'failed', condition: 'RunnerStopped', attempts: 0 });
    expect(failures().map((f) => f.requestPayload.Records[0].s3.object.key)).toEqual(['second.jpg']);
  });
});

import { createHash } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AsyncHandler } from './function-runner.js';
import { DeliveryFailed, SqsEventSourceMapping } from './sqs-event-source.js';

type Handler = AsyncHandler<SQSEvent, SQSBatchResponse | void | null>;

describe('SqsEventSourceMapping', () => {
  const mappings: SqsEventSourceMapping[] = [];
  const mapping = (handler: Handler, options: { batchSize?: number; concurrency?: number; timeoutMs?: number; gatherMs?: number } = {}) => {
    const m = new SqsEventSourceMapping({
      name: 'sales-feed',
      queue: 'sales-feed',
      handler,
      batchSize: options.batchSize ?? 10,
      gatherMs: options.gatherMs ?? 20,
      concurrency: options.concurrency ?? 2,
      timeoutMs: options.timeoutMs ?? 5_000,
      memoryMb: 256,
    });
    mappings.push(m);
    return m;
  };
  /** Settles each delivery as 'done' or the reason it went back. */
  const outcome = (p: Promise<void>) =>
    p.then(
      () => 'done',
      (err: DeliveryFailed) => err.reason,
    );
  afterEach(async () => {
    await Promise.all(mappings.splice(0).map((m) => m.close()));
  });

  it('gathers messages that arrive together into batches of up to batchSize, each record in SQS’s shape', async () => {
    const batches: SQSEvent[] = [];
    const m = mapping(
      async (event) => {
        batches.push(event);
      },
      { batchSize: 3 },
    );
    const results = Array.from({ length: 5 }, (_, i) =>
      outcome(m.deliver({ body: `{"n":${i}}`, attempt: i === 4 ? 2 : 1, groupId: `order-${i}`, deduplicationId: String(100 + i) })),
    );

    expect(await Promise.all(results)).toEqual(Array(5).fill('done'));
    expect(batches.map((b) => b.Records.map((r) => r.body))).toEqual([
      ['{"n":0}', '{"n":1}', '{"n":2}'],
      ['{"n":3}', '{"n":4}'],
    ]);
    const record = batches[1]!.Records[1]!;
    expect(record).toMatchObject({
      body: '{"n":4}',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:123456789012:sales-feed',
      md5OfBody: createHash('md5').update('{"n":4}').digest('hex'),
      attributes: { ApproximateReceiveCount: '2', MessageGroupId: 'order-4', MessageDeduplicationId: '104' },
    });
    expect(new Set(batches.flatMap((b) => b.Records.map((r) => r.messageId))).size).toBe(5);
  });

  it('gives back exactly the records the function lists in batchItemFailures', async () => {
    const m = mapping(async (event) => ({ batchItemFailures: event.Records.filter((r) => r.body.includes('bad')).map((r) => ({ itemIdentifier: r.messageId })) }));
    const results = ['ok', 'bad', 'ok', 'bad'].map((body) => outcome(m.deliver({ body, attempt: 1 })));
    expect(await Promise.all(results)).toEqual(['done', 'listed-in-batchItemFailures', 'done', 'listed-in-batchItemFailures']);
  });

  it('gives back the whole batch when the function throws, times out, or answers with an identifier not in the batch', async () => {
    const thrower = mapping(async () => {
      throw new TypeError('boom');
    });
    const sleeper = mapping(() => new Promise<never>(() => {}), { timeoutMs: 30 });
    const liar = mapping(async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] }));
    const blank = mapping(async () => ({ batchItemFailures: [{ itemIdentifier: '' }] }));
    const each = (m: SqsEventSourceMapping) => Promise.all(['a', 'b'].map((body) => outcome(m.deliver({ body, attempt: 1 }))));

    expect(await each(thrower)).toEqual(['invocation-failed', 'invocation-failed']);
    expect(await each(sleeper)).toEqual(['invocation-failed', 'invocation-failed']);
    expect(await each(liar)).toEqual(['invalid-response', 'invalid-response']);
    expect(await each(blank)).toEqual(['invalid-response', 'invalid-response']);
    await expect(sleeper.deliver({ body: 'c', attempt: 1 })).rejects.toMatchObject({ error: { errorType: 'Sandbox.Timedout' } });
  });

  it('runs at most `concurrency` invocations; the batches behind them wait for a slot', async () => {
    let running = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const m = mapping(
      async () => {
        running++;
        most = Math.max(most, running);
        await gate;
        running--;
      },
      { batchSize: 1, concurrency: 2 },
    );
    const results = Array.from({ length: 6 }, (_, i) => outcome(m.deliver({ body: String(i), attempt: 1 })));
    await vi.waitFor(() => expect(running).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(running).toBe(2);
    release();
    expect(await Promise.all(results)).toEqual(Array(6).fill('done'));
    expect(most).toBe(2);
  });

  it('on close, gives back what waits for a slot and lets the running invocation finish', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const m = mapping(() => gate, { batchSize: 1, concurrency: 1 });
    const first = outcome(m.deliver({ body: 'first', attempt: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = outcome(m.deliver({ body: 'second', attempt: 1 }));
    const closed = m.close();
    release();
    await closed;
    expect([await first, await second]).toEqual(['done', 'runner-stopped']);
    expect(await outcome(m.deliver({ body: 'late', attempt: 1 }))).toBe('runner-stopped');
  });
});

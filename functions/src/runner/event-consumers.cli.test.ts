import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CLI = path.join(import.meta.dirname, 'event-consumers.cli.ts');

/** The consumers' process refuses to start on a bad setting, naming it (the whole run is covered by twin/src/functions/event-consumers.test.ts). */
describe('event-consumers (the twin consumer process): its settings', () => {
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', CLI], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
  const good = {
    EVENT_BROKER_URL: 'amqp://guest:guest@127.0.0.1:1/',
    CONSUMER_DATABASE_URL: 'postgres://evermall_consumer@127.0.0.1:1/evermall',
    MAIL_FROM: 'Evermall <orders@evermall.shop>',
    SMTP_URL: 'smtp://127.0.0.1:1',
  };

  it('exits 2 naming the variable that is missing or wrong, before it connects to anything', { timeout: 120_000 }, async () => {
    const without = (name: keyof typeof good) => Object.fromEntries(Object.entries(good).filter(([k]) => k !== name));
    expect(await run(without('MAIL_FROM'))).toMatchObject({ code: 2, stderr: expect.stringContaining('MAIL_FROM is required') });
    expect(await run(without('CONSUMER_DATABASE_URL'))).toMatchObject({ code: 2, stderr: expect.stringContaining('CONSUMER_DATABASE_URL is required') });
    expect(await run({ ...good, EVENT_BROKER_URL: 'arn:aws:sns:ap-northeast-2:123456789012:events.fifo' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('EVENT_BROKER_URL must be an amqp'),
    });
    // All good but nothing listens on port 1: it cannot reach the broker, and says so.
    expect(await run(good)).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot connect to the broker') });
  });
});

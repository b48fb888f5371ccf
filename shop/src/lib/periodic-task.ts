import type { Logger } from './logger.js';

/** A job an instance runs in the background, every interval, for as long as it serves. */
export interface PeriodicTask<T> {
  /** Runs one round now. */
  runOnce(): Promise<T>;
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `round` at once, then `intervalSeconds` after each round ends, so rounds never overlap.
 * A failed round must not stop the instance serving: it is logged as `failure` and the next
 * round tries again.
 */
export function runPeriodically<T>(round: () => Promise<T>, options: { intervalSeconds: number; logger: Logger; failure: string }): PeriodicTask<T> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const next = () => {
    running = round()
      .catch((err: unknown) => options.logger.warn({ err }, options.failure))
      .finally(() => {
        if (!stopped) timer = setTimeout(next, options.intervalSeconds * 1000);
      });
  };
  timer = setTimeout(next, 0);
  return {
    runOnce: round,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

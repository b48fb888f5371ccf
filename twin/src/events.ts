import { appendFileSync } from 'node:fs';
import type { Logger } from 'pino';

/** Something the twin or one of its parts did, and why. Shown on the status page and in the log. */
export interface TwinEvent {
  at: string;
  kind: string;
  reason: string;
  [detail: string]: unknown;
}

/** How many events the status page keeps; the full history is in logs/events.jsonl. */
const KEPT_EVENTS = 200;

export class EventLog {
  private readonly kept: TwinEvent[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly file: string,
  ) {}

  emit(kind: string, reason: string, details: Record<string, unknown> = {}): TwinEvent {
    const event: TwinEvent = { at: new Date().toISOString(), kind, reason, ...details };
    this.kept.push(event);
    if (this.kept.length > KEPT_EVENTS) this.kept.shift();
    this.logger.info({ kind, ...details }, reason);
    try {
      appendFileSync(this.file, `${JSON.stringify(event)}\n`);
    } catch {
      // The state dir may be gone during `down --fresh`; the in-memory log still has it.
    }
    return event;
  }

  recent(): TwinEvent[] {
    return [...this.kept];
  }
}

import { appendFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SpanRecord } from './span-record.js';

export interface TraceStoreOptions {
  /** `.twin/traces`. */
  dir: string;
  /** The current file is rotated once it would grow past this: at most twice this on disk. */
  maxFileBytes: number;
}

/** One trace in the list of the latest. */
export interface TraceSummary {
  traceId: string;
  /** The root span's name (the earliest span whose parent the collector never received, if the root is missing). */
  name: string;
  /** The services it went through, in the order they first appear. */
  services: string[];
  startMs: number;
  durationMs: number;
  spans: number;
  errors: number;
}

/**
 * The collector's spans as JSON lines in `spans.jsonl`, rotated to `spans.1.jsonl` (replacing the
 * one before) when it would pass `maxFileBytes`: the latest traces stay readable and the folder
 * never holds more than two files' worth, whatever the load. Appends run one at a time, in the
 * order they were asked.
 */
export class TraceStore {
  readonly dir: string;
  readonly current: string;
  readonly previous: string;
  private size: number | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly options: TraceStoreOptions) {
    this.dir = options.dir;
    this.current = path.join(options.dir, 'spans.jsonl');
    this.previous = path.join(options.dir, 'spans.1.jsonl');
  }

  append(records: readonly SpanRecord[]): Promise<void> {
    if (records.length === 0) return this.writes;
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    const write = this.writes.then(() => this.write(text));
    // One failed write (a full disk) must not stop every later one.
    this.writes = write.catch(() => undefined);
    return write;
  }

  private async write(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    this.size ??= await sizeOf(this.current, this.options.dir);
    if (this.size > 0 && this.size + bytes > this.options.maxFileBytes) {
      await rename(this.current, this.previous);
      this.size = 0;
    }
    await appendFile(this.current, text);
    this.size += bytes;
  }

  /** Every span kept, oldest file first. */
  async spans(): Promise<SpanRecord[]> {
    await this.writes;
    const records: SpanRecord[] = [];
    for (const file of [this.previous, this.current]) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          records.push(JSON.parse(line) as SpanRecord);
        } catch {
          // A line cut by a crash mid-write: the rest of the file still reads.
        }
      }
    }
    return records;
  }

  /** The `limit` traces that started last, newest first. */
  async latest(limit: number): Promise<TraceSummary[]> {
    const byTrace = new Map<string, SpanRecord[]>();
    for (const span of await this.spans()) {
      const spans = byTrace.get(span.traceId);
      if (spans) spans.push(span);
      else byTrace.set(span.traceId, [span]);
    }
    // Written last first before the (stable) sort, so traces that started in the same millisecond
    // list the one written last as the newer.
    return [...byTrace.entries()]
      .reverse()
      .map(([traceId, spans]) => summaryOf(traceId, spans))
      .sort((a, b) => b.startMs - a.startMs)
      .slice(0, limit);
  }

  /** One trace's spans in start order; empty when it is not (or no longer) kept. */
  async trace(traceId: string): Promise<SpanRecord[]> {
    return (await this.spans()).filter((s) => s.traceId === traceId).sort((a, b) => a.startMs - b.startMs);
  }
}

function summaryOf(traceId: string, spans: SpanRecord[]): TraceSummary {
  const ordered = [...spans].sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(ordered.map((s) => s.spanId));
  const root = ordered.find((s) => !s.parentSpanId) ?? ordered.find((s) => !ids.has(s.parentSpanId ?? '')) ?? ordered[0]!;
  const start = ordered[0]!.startMs;
  const end = Math.max(...ordered.map((s) => s.startMs + s.durationMs));
  return {
    traceId,
    name: `${root.service}: ${root.name}`,
    services: [...new Set(ordered.map((s) => s.service))],
    startMs: start,
    durationMs: Math.round((end - start) * 1000) / 1000,
    spans: ordered.length,
    errors: ordered.filter((s) => s.status === 'error').length,
  };
}

async function sizeOf(file: string, dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventConsumers } from '@evermall/topology';
import type { EventLog } from '../events.js';
import { exited, signalGroup, sleep, spawnPart, stopGroup, waitFor } from '../processes.js';

export interface EventConsumersOptions {
  /** The twin's RabbitMQ (amqp://…), read at each start: the shop publishes there, the consumers read their queues there. */
  brokerUrl: () => string;
  /** The writer as the consumers' login, without its password (DatabaseCluster.consumerUrl). */
  databaseUrl: string;
  /** The consumers' secret, read for every new connection (DatabaseLogins.secretFile('consumer')). */
  credentialsFile: string;
  /** The SMTP sink's URL (SmtpSink.url), read at each start. */
  smtpUrl: () => string;
  /** The trace collector's base URL (TraceCollector.url), read at each start: the consumers' spans go there. Without it nothing is traced. */
  otlpEndpoint?: () => string;
  logFile: string;
  events: EventLog;
}

/** A batch the consumer process had invoked and not finished, from its log. */
export interface BatchInFlight {
  function: string;
  requestId: string;
  /** The outbox ids of its records. */
  events: string[];
}

export interface EventConsumersStatus {
  running: boolean;
  pid: number | undefined;
  /** Starts after the first: after a crash, a kill or a lost broker. */
  restarts: number;
  logFile: string;
}

/** The sender of every notification on the twin. */
const MAIL_FROM = 'Evermall <orders@evermall.shop>';
/** How long the process may take to consume: tsx compiles the functions and the shop they import on the way. */
const START_TIMEOUT_MS = 60_000;
/** A stop lets the batches under way finish, as Lambda lets an invocation run to its timeout. */
const STOP_BOUND_MS = eventConsumers.timeoutSeconds * 1000 + 5_000;
/**
 * After the process dies it is started again: Lambda's pollers are managed and resume on their
 * own. Doubling from the first delay up to the longest, while it keeps dying (a broker that is
 * down makes it exit at once).
 */
const RESTART_FIRST_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 15_000;
/** How often a kill that waits for a batch in flight reads the log. */
const LOG_POLL_MS = 10;

/** The consumers' process entry point, run with tsx from the functions workspace (as the resize function's). */
const cli = path.join(path.dirname(fileURLToPath(import.meta.resolve('@evermall/functions'))), 'runner', 'event-consumers.cli.ts');

/**
 * The order notifier and the sales feed of the twin: one process (functions/src/runner/
 * event-consumers.cli.ts) that reads their RabbitMQ queues and runs the Lambda handlers unchanged,
 * as Lambda's SQS event source mappings do. A process of its own so that a drill can SIGKILL it
 * mid-batch (`kill`); like Lambda's pollers, it is started again whenever it dies, and the broker
 * redelivers whatever it had not acknowledged.
 */
export class EventConsumers {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  /** Starts in a row that died before consuming: the next restart waits longer. */
  private failedStarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly log: LogFollower;

  constructor(private readonly options: EventConsumersOptions) {
    this.log = new LogFollower(options.logFile);
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  status(): EventConsumersStatus {
    return { running: this.pid !== undefined, pid: this.pid, restarts: this.restarts, logFile: this.options.logFile };
  }

  /** Starts the process and resolves once it consumes both queues. */
  async start(signal?: AbortSignal): Promise<void> {
    this.stopping = false;
    await this.launch(signal);
  }

  /** Stops for good: batches under way finish; deliveries not yet handled go back to the broker. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.child) await stopGroup(this.child, STOP_BOUND_MS);
  }

  /**
   * SIGKILLs the process, as a crashed Lambda execution environment, once it has a batch in flight
   * (waiting up to `waitMs` for one; killed anyway after that), and answers which batches were in
   * flight. It is started again after RESTART_FIRST_DELAY_MS.
   */
  async kill(waitMs: number): Promise<{ pid: number | undefined; inFlight: BatchInFlight[] }> {
    const child = this.child;
    if (!child || this.pid === undefined) throw new Error('the event consumers are not running');
    const deadline = Date.now() + waitMs;
    while (this.log.inFlight().length === 0 && Date.now() < deadline) await sleep(LOG_POLL_MS);
    const inFlight = this.log.inFlight();
    signalGroup(child.pid, 'SIGKILL');
    await exited(child);
    return { pid: child.pid, inFlight };
  }

  private async launch(signal?: AbortSignal): Promise<void> {
    const { brokerUrl, databaseUrl, credentialsFile, smtpUrl, otlpEndpoint, logFile } = this.options;
    this.log.startAtEnd();
    const child = spawnPart(process.execPath, ['--import', 'tsx', cli], {
      logFile,
      signal,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        EVENT_BROKER_URL: brokerUrl(),
        CONSUMER_DATABASE_URL: databaseUrl,
        CONSUMER_DATABASE_CREDENTIALS_FILE: credentialsFile,
        MAIL_FROM,
        SMTP_URL: smtpUrl(),
        ...(otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint() } : {}),
      },
    });
    this.child = child;
    child.once('exit', (code, exitSignal) => this.exitedUnasked(child, code, exitSignal));
    await waitFor(
      'the event consumers to consume their queues',
      () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited with ${child.exitCode ?? child.signalCode}; see ${logFile}`);
        return this.log.sawLine('consuming') ? true : undefined;
      },
      START_TIMEOUT_MS,
      100,
      signal,
    );
  }

  private exitedUnasked(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    this.failedStarts = this.log.sawLine('consuming') ? 0 : this.failedStarts + 1;
    const delay = Math.min(RESTART_FIRST_DELAY_MS * 2 ** Math.min(this.failedStarts, 8), RESTART_MAX_DELAY_MS);
    this.options.events.emit('consumers-exited', `the event consumers exited (${signal ?? code}); starting them again in ${delay / 1000} s`, { pid: child.pid });
    this.restartTimer = setTimeout(() => {
      this.restarts++;
      this.launch().then(
        () =>
          this.options.events.emit('consumers-running', 'the event consumers consume their queues again; the broker redelivers what they had not acknowledged', { pid: this.pid }),
        // It died starting (a broker still down, a database not yet taking writes), and its exit
        // scheduled the next try; one that hangs instead is killed, which does the same.
        () => signalGroup(this.child?.pid, 'SIGKILL'),
      );
    }, delay);
  }
}

/**
 * Reads the consumer process's JSON log lines as they are appended: whether it has said a line
 * since it was started, and which batches it has invoked and not finished.
 */
class LogFollower {
  private offset = 0;
  private partial = '';
  private readonly seen = new Set<string>();
  private readonly running = new Map<string, BatchInFlight>();

  constructor(private readonly file: string) {}

  /** Forgets what came before: a new process starts now. */
  startAtEnd(): void {
    this.offset = fileSize(this.file);
    this.partial = '';
    this.seen.clear();
    this.running.clear();
  }

  sawLine(message: string): boolean {
    this.readNew();
    return this.seen.has(message);
  }

  inFlight(): BatchInFlight[] {
    this.readNew();
    return [...this.running.values()];
  }

  private readNew(): void {
    const size = fileSize(this.file);
    if (size <= this.offset) return;
    const fd = openSync(this.file, 'r');
    try {
      const buffer = Buffer.alloc(size - this.offset);
      readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buffer.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    } finally {
      closeSync(fd);
    }
  }

  private take(line: string): void {
    let entry: { msg?: string; function?: string; requestId?: string; events?: string[] };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return; // stderr of the process (a stack trace) shares the file
    }
    if (entry.msg) this.seen.add(entry.msg);
    if (!entry.requestId) return;
    if (entry.msg === 'batch invoked') this.running.set(entry.requestId, { function: entry.function ?? '', requestId: entry.requestId, events: entry.events ?? [] });
    else if (entry.msg?.startsWith('batch done')) this.running.delete(entry.requestId);
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

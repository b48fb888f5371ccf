import path from 'node:path';
import type { TwinPaths } from '../config/paths.js';
import type { DatabaseCluster } from '../database/database-cluster.js';
import type { DatabaseLogins } from '../database/database-logins.js';
import type { EventLog } from '../events.js';
import { SmtpSink } from '../mail/smtp-sink.js';
import { EventConsumers, type EventConsumersStatus } from './event-consumers.js';

/** What the status shows: the process, and where its mail goes. */
export interface OrderEventConsumersStatus extends EventConsumersStatus {
  mailDir: string;
  /** The SMTP sink's URL; undefined until it has started. */
  smtpUrl: string | undefined;
}

export interface OrderEventConsumersOptions {
  paths: TwinPaths;
  database: DatabaseCluster;
  logins: DatabaseLogins;
  events: EventLog;
  /** The broker's amqp URL, read when the consumers start (the broker part's `settings.url`). */
  brokerUrl: () => string;
  /** The trace collector's base URL (TraceCollector.url), read when the consumers start; without it they trace nothing. */
  otlpEndpoint?: () => string;
  /** The SMTP sink's port: twin-internal, like the buckets' (0: any free port). */
  smtpPort: number;
}

/**
 * The twin's order event consumers as one part: the SMTP sink their mail lands in (SES's
 * stand-in, `.twin/mail/`) and the consumers' process (event-consumers.ts). Starts after the
 * database is migrated (their inbox and analytics store come from migration 080) and once the
 * broker runs; stops after the instances, whose relays publish until they stop.
 */
export class OrderEventConsumers {
  readonly sink: SmtpSink;
  readonly process: EventConsumers;

  constructor(options: OrderEventConsumersOptions) {
    const { paths, database, logins, events } = options;
    this.sink = new SmtpSink({ port: options.smtpPort, dir: paths.mail });
    this.process = new EventConsumers({
      brokerUrl: options.brokerUrl,
      databaseUrl: database.consumerUrl,
      credentialsFile: logins.secretFile('consumer'),
      smtpUrl: () => this.sink.url,
      otlpEndpoint: options.otlpEndpoint,
      logFile: path.join(paths.logs, 'event-consumers.log'),
      events,
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  status(): OrderEventConsumersStatus {
    return { ...this.process.status(), mailDir: this.sink.dir, smtpUrl: this.sink.started ? this.sink.url : undefined };
  }

  async start(signal?: AbortSignal): Promise<void> {
    await this.sink.start();
    await this.process.start(signal);
  }

  /** The consumers first (their batches under way finish and send their mail), then the sink. */
  async stop(): Promise<void> {
    await this.process.stop();
    await this.sink.stop();
  }
}

import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { mailFileName } from './mailbox.js';

export interface SmtpSinkOptions {
  /** 127.0.0.1:<port>; 0 picks a free one. */
  port: number;
  /** The mailbox folder (`.twin/mail`). */
  dir: string;
}

/** The largest message the sink takes: the notifier's mails are a few kB; SES's own limit is 40 MB. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** A client that keeps its pooled connection open does not hold a stop for smtp-server's default 30 s. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * The twin's stand-in for the mail service (SES on AWS): a real SMTP server (smtp-server, from
 * the Nodemailer project) on loopback that accepts every message, for anyone, without TLS or
 * authentication, and writes it to the mailbox folder as it arrived (mailbox.ts). Nothing is
 * relayed anywhere. A message is acknowledged (250) only once its file is in place, so a message
 * the sender thinks sent is in the mailbox.
 */
export class SmtpSink {
  private server: SMTPServer | undefined;
  private boundPort: number | undefined;
  private received = 0;

  constructor(private readonly options: SmtpSinkOptions) {}

  /** smtp://127.0.0.1:<port>, for the consumers' SMTP_URL. */
  get url(): string {
    if (this.boundPort === undefined) throw new Error('the SMTP sink has not started');
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  get dir(): string {
    return this.options.dir;
  }

  get started(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    const { dir, port } = this.options;
    mkdirSync(dir, { recursive: true });
    const server = new SMTPServer({
      name: 'mail.twin.evermall.local',
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      size: MAX_MESSAGE_BYTES,
      logger: false,
      closeTimeout: CLOSE_TIMEOUT_MS,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
            callback(Object.assign(new Error(`message exceeds ${MAX_MESSAGE_BYTES} bytes`), { responseCode: 552 }));
            return;
          }
          this.store(Buffer.concat(chunks)).then(
            () => callback(),
            (err: Error) => callback(Object.assign(err, { responseCode: 451 })),
          );
        });
      },
    });
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      const listening = server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((listening.address() as AddressInfo).port);
      });
    });
    // A broken client connection is the client's problem; the sink goes on.
    server.on('error', () => undefined);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Writes one message under a name that carries its Message-ID: a dot-named temp file, renamed into place. */
  private async store(raw: Buffer): Promise<void> {
    const { messageId } = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    const name = mailFileName(new Date(), ++this.received, messageId);
    const temp = path.join(this.options.dir, `.${name}.tmp`);
    await writeFile(temp, raw);
    await rename(temp, path.join(this.options.dir, name));
  }
}

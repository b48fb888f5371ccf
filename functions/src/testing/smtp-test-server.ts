import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message the test server accepted: the parsed mail and the raw source. */
export interface ReceivedMail {
  mail: ParsedMail;
  raw: string;
  /** The envelope's recipients (RCPT TO). */
  recipients: string[];
}

export interface SmtpTestServer {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** While set, every message is refused with this SMTP reply code (4xx: try later, 5xx: refused). */
  refuseWith: number | undefined;
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server, from the Nodemailer project) on a free loopback port, keeping
 * what it accepts in memory, for the functions' tests. The twin's sink (twin/src/mail/) is the
 * same server writing to a folder.
 */
export async function startSmtpTestServer(): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = [];
  const state: { refuseWith: number | undefined } = { refuseWith: undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // A client that keeps its connection (nodemailer's pool) does not hold a test's close for 30 s.
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (state.refuseWith !== undefined) {
          callback(Object.assign(new Error('refused by the test'), { responseCode: state.refuseWith }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (mail) => {
            received.push({ mail, raw, recipients: session.envelope.rcptTo.map((r) => r.address) });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    const listening = server.listen(0, '127.0.0.1', () => resolve((listening.address() as { port: number }).port));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    get refuseWith() {
      return state.refuseWith;
    },
    set refuseWith(code) {
      state.refuseWith = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

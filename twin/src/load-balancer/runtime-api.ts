import { connect } from 'node:net';

/** Bound on one Runtime API command; HAProxy answers them in microseconds. */
const COMMAND_TIMEOUT_MS = 3000;

/** HAProxy's Runtime API over its admin unix socket (management guide §9.3). */
export class RuntimeApi {
  constructor(private readonly socketPath: string) {}

  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      let out = '';
      socket.setTimeout(COMMAND_TIMEOUT_MS, () => socket.destroy(new Error(`HAProxy runtime API timed out on "${line}"`)));
      socket.on('connect', () => socket.end(`${line}\n`));
      socket.on('data', (d: Buffer) => (out += d.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(out));
    });
  }

  /** `show stat` as rows keyed by the CSV header. */
  async stats(): Promise<Record<string, string>[]> {
    const text = await this.command('show stat');
    const [header, ...lines] = text.split('\n').filter((l) => l.length > 0);
    if (!header) return [];
    const keys = header.replace(/^# /, '').split(',');
    return lines.map((line) => {
      const cells = line.split(',');
      return Object.fromEntries(keys.map((k, i) => [k, cells[i] ?? '']));
    });
  }
}

import { connect } from 'node:net';

/** A reply in the Redis protocol (RESP2): simple and bulk strings, integers, nil, arrays. */
export type RedisReply = string | number | null | RedisReply[];

/** A node answered with an error reply (`-ERR ...`, `-NOAUTH ...`). */
export class RedisErrorReply extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisErrorReply';
  }
}

export interface RedisProbeOptions {
  port: number;
  host?: string;
  /** Sent with AUTH first (requirepass on a node, on a Sentinel, and through the endpoint). */
  password?: string | undefined;
  /** Connect, AUTH and the command together; past it the probe fails. */
  timeoutMs: number;
}

/**
 * One command on a connection of its own: what the twin needs to read a node's role (INFO
 * replication), ask a Sentinel for the primary, and write through the endpoint in tests. Each
 * probe connects anew, as HAProxy's check does, so a probe never rides a connection to a node
 * that has since died. The shop's client (ioredis) is not a dependency of the twin.
 */
export async function redisCommand(args: string[], options: RedisProbeOptions): Promise<RedisReply> {
  const commands = options.password ? [['AUTH', options.password], args] : [args];
  const replies = await exchange(commands, options);
  const last = replies.at(-1);
  for (const reply of replies) if (reply instanceof RedisErrorReply) throw reply;
  return last as RedisReply;
}

/** INFO <section> as a map of its `key:value` lines. */
export async function redisInfo(section: string, options: RedisProbeOptions): Promise<Map<string, string>> {
  const text = await redisCommand(['INFO', section], options);
  if (typeof text !== 'string') throw new Error(`INFO ${section} answered ${JSON.stringify(text)}`);
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

function exchange(commands: string[][], options: RedisProbeOptions): Promise<(RedisReply | RedisErrorReply)[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: options.port, host: options.host ?? '127.0.0.1' });
    let buffer = Buffer.alloc(0);
    const replies: (RedisReply | RedisErrorReply)[] = [];
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from 127.0.0.1:${options.port} within ${options.timeoutMs} ms`)), options.timeoutMs);
    socket.once('error', (err) => finish(err));
    socket.once('close', () => finish(new Error(`127.0.0.1:${options.port} closed the connection before answering`)));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        for (let parsed = parseReply(buffer, 0); parsed; parsed = parseReply(buffer, 0)) {
          replies.push(parsed.reply);
          buffer = buffer.subarray(parsed.end);
          if (replies.length === commands.length) return finish();
        }
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.write(commands.map(encodeCommand).join(''));
  });
}

/** A command as a RESP array of bulk strings (redis.io, "Redis serialization protocol specification"). */
function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** One reply starting at `start`, and where it ends; undefined while it has not fully arrived. */
function parseReply(buffer: Buffer, start: number): { reply: RedisReply | RedisErrorReply; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[start] ?? 0);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, end: next };
    case '-':
      return { reply: new RedisErrorReply(line), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: RedisReply[] = [];
      let at = next;
      for (let i = 0; i < count; i += 1) {
        const item = parseReply(buffer, at);
        if (!item) return undefined;
        if (item.reply instanceof RedisErrorReply) throw item.reply;
        items.push(item.reply);
        at = item.end;
      }
      return { reply: items, end: at };
    }
    default:
      throw new Error(`not a Redis reply: ${JSON.stringify(buffer.toString('utf8', start, Math.min(buffer.length, start + 40)))}`);
  }
}

import { connect } from 'node:net';
import { databaseClient } from '@evermall/topology';

/**
 * The SSLRequest message (PostgreSQL protocol, "Message Formats"): length 8, code 80877103.
 * The postmaster answers it itself with one byte, 'S' or 'N', before any login: an answer
 * means the server process is alive and scheduled, whatever its backends are waiting on.
 */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export interface ServerAddress {
  host: string;
  port: number;
}

/**
 * True when the PostgreSQL server at host:port answers a new connection within timeoutMs.
 * False when the connection is refused, reset, or nothing comes back in time: a frozen server
 * (its kernel still accepts the connection, the postmaster never answers) or one a partition
 * cut off (the SYN is dropped). Never throws.
 */
export function serverAnswers({ host, port }: ServerAddress, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write(SSL_REQUEST));
    socket.once('data', (byte) => done(byte[0] === 0x53 || byte[0] === 0x4e)); // 'S' or 'N'
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/**
 * The probe every pool's stalled connections ask (postgres.js `stall`, our patch). Connections
 * to the same server that stall together (a hung primary stalls the whole pool at once) share
 * one probe instead of opening one each.
 */
export function sharedServerProbe(timeoutMs: number = databaseClient.probeTimeoutMs): (server: ServerAddress) => Promise<boolean> {
  const inFlight = new Map<string, Promise<boolean>>();
  return (server) => {
    const key = `${server.host}:${server.port}`;
    let probe = inFlight.get(key);
    if (!probe) {
      probe = serverAnswers(server, timeoutMs).finally(() => inFlight.delete(key));
      inFlight.set(key, probe);
    }
    return probe;
  };
}

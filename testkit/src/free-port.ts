import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, picked at random *below* the
 * kernel's ephemeral range. A port the kernel hands out for `listen(0)` comes from the range it
 * also uses for the source port of every outgoing connection: a twin picks its ports first and
 * binds them later (PostgreSQL, Redis and HAProxy read them from their config), and in between a
 * client connection may already hold the port, so the server fails with "address in use". Ports
 * under the ephemeral range are never taken that way. Each port is handed out once per process.
 */
export async function freePort(): Promise<number> {
  const [low, high] = pickRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the check: concurrent calls never test the same port
    if (await canListen(port)) return port;
  }
  throw new Error(`no free TCP port between ${low} and ${high} on 127.0.0.1 after 200 tries`);
}

const handedOut = new Set<number>();

/** [first, last) of the ports to pick from: 10000 up to the start of the ephemeral range. */
function pickRange(): [number, number] {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    // Not Linux: keep the IANA default (49152) or Linux's (32768), whichever the system has; 32768 is safe for both.
  }
  return ephemeralLow > 12_000 ? [10_000, ephemeralLow] : [1_024, ephemeralLow > 2_048 ? ephemeralLow : 10_000];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

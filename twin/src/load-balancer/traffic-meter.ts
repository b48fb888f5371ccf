import { createSocket, type Socket } from 'node:dgram';
import { trafficSettings } from '../config/twin-settings.js';

export interface TrafficFigures {
  rps: number;
  p99Ms: number;
  /** Responses ≥ 500 per second. */
  errorsPerSecond: number;
}

/**
 * Requests/s and p99 from HAProxy's request log: HAProxy sends one raw line per request
 * ("%Ta %ST ...", see haproxy-config.ts) to this UDP port; we keep a sliding window.
 */
export class TrafficMeter {
  private socket: Socket | undefined;
  private samples: { at: number; ms: number; status: number }[] = [];

  constructor(private readonly port: number) {}

  async start(): Promise<void> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (msg) => {
      const [ta, st] = msg.toString().trim().split(' ');
      const ms = Number(ta);
      if (Number.isFinite(ms)) this.samples.push({ at: Date.now(), ms, status: Number(st) });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.port, '127.0.0.1', () => resolve());
    });
  }

  figures(): TrafficFigures {
    const windowMs = trafficSettings.windowSeconds * 1000;
    const since = Date.now() - windowMs;
    this.samples = this.samples.filter((s) => s.at >= since);
    const sorted = this.samples.map((s) => s.ms).sort((a, b) => a - b);
    const p99 = sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0);
    const errors = this.samples.filter((s) => s.status >= 500).length;
    return { rps: round(this.samples.length / trafficSettings.windowSeconds), p99Ms: p99, errorsPerSecond: round(errors / trafficSettings.windowSeconds) };
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

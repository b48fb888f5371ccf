// Temporary measurement script (not part of the repo): idle RSS of one shop instance, tsx vs the release.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { PostgresServer, freePort } from '@evermall/testkit';
import { serviceCommand } from '@evermall/shop/release';
import { processTreeRssMiB } from './src/bench/rss.js';

const release = process.argv[2]!;
const shopDir = path.resolve('../shop');
const server = await PostgresServer.start();
const admin = postgres(server.url(), { max: 1, onnotice: () => undefined });
await admin.unsafe('CREATE DATABASE evermall');
await admin.end();
const media = mkdtempSync(path.join(os.tmpdir(), 'rss-media-'));
const base = { DATABASE_URL: server.url('evermall'), SESSION_SECRET: 'x'.repeat(40), MEDIA_DIR: media, HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'production' };

async function measure(label: string, command: string, args: string[], env: Record<string, string>, cwd: string) {
  const port = await freePort();
  const child = spawn(command, args, { cwd, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch {}
    await sleep(250);
  }
  // A few requests like a target health check would send, then idle.
  for (let i = 0; i < 5; i++) await fetch(`http://127.0.0.1:${port}/healthz`);
  await sleep(15_000);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) { samples.push(processTreeRssMiB(child.pid!)); await sleep(1000); }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const sorted = samples.sort((a, b) => a - b);
  console.log(`${label}: idle RSS median ${sorted[2]!.toFixed(1)} MiB (min ${sorted[0]!.toFixed(1)}, max ${sorted[4]!.toFixed(1)}) over 5 samples`);
}

try {
  for (let round = 1; round <= 1; round++) {
    if (false) await measure(`round ${round} tsx (node --import tsx shop/src/server.ts)`, process.execPath, ['--import', 'tsx', path.join(shopDir, 'src', 'server.ts')], { ...base, PATH: process.env.PATH ?? '' }, shopDir);
    const [cmd, ...args] = serviceCommand(release);
    await measure(`round ${round} bundle (${release}/runtime/node server.js)`, cmd, args, { ...base, MIGRATIONS_DIR: path.join(release, 'migrations') }, release);
  }
} finally {
  await server.stop();
  rmSync(media, { recursive: true, force: true });
}

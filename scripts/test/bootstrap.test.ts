import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bootstrap = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bootstrap.mjs');

/** A command that reports the stop signal it gets, then exits with a code naming it. */
const stoppable = `
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => { console.log('got ' + s); process.exit(40); });
console.log('ready ' + process.version);
setInterval(() => {}, 1000);
`;

function start(cmd: string, args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function until(read: () => string, text: string): Promise<void> {
  while (!read().includes(text)) await new Promise((r) => setTimeout(r, 20));
}

describe('bootstrap', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`passes ${signal} on to the command it runs and exits with the command's status`, async () => {
      const run = start(process.execPath, [bootstrap, '--skip-install', '--', 'node', '-e', stoppable]);
      await until(run.output, 'ready');
      run.child.kill(signal);
      expect(await run.exited).toBe(40);
      expect(run.output()).toContain(`got ${signal}`);
    });
  }

  it('stops the command with SIGHUP when its parent (npm) dies without passing a signal on', async () => {
    // sh stands in for npm: killed outright, it forwards nothing.
    const run = start('sh', ['-c', `"${process.execPath}" "${bootstrap}" --skip-install -- node -e "${stoppable.replace(/\n/g, ' ').replace(/"/g, '\\"')}" & wait`]);
    await until(run.output, 'ready');
    run.child.kill('SIGKILL');
    await run.exited;
    await until(run.output, 'got SIGHUP');
  });

  it('runs the command with the project Node (24) first on the PATH', async () => {
    const run = start(process.execPath, [bootstrap, '--skip-install', '--', 'node', '-e', 'console.log("ready " + process.version)']);
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/ready v24\./);
  });
});

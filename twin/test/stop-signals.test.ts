import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { portFlags } from '../src/config/ports.js';
import { readStateFile } from '../src/config/state-file.js';
import { isAlive } from '../src/processes.js';

/**
 * Issue 19: a stop signal at any moment of `npm start` stops every part started so far, and the
 * next `npm start` (without --fresh) works. One state dir for the whole sequence: each start
 * after the first resumes what the interrupted one left, and each is signalled at a stage read
 * from its own progress lines, to the npm process or to the twin's CLI, with every stop signal.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** Every port free-picked; the database ports are then kept by the state dir, as for a person. */
const PORT_ARGS = Object.values(portFlags).flatMap(({ flag }) => [flag, '0']);
const STAGE_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 120_000;

interface Run {
  npm: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function npmStart(stateDir: string, fresh: boolean): Run {
  const npm = spawn('npm', ['start', '--', '--state-dir', stateDir, '--no-build', ...(fresh ? ['--fresh'] : []), ...PORT_ARGS], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const stream of [npm.stdout, npm.stderr]) if (stream) createInterface({ input: stream }).on('line', (line) => output.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  return { npm, output, exited };
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stage = (run: Run, line: RegExp) => until(`a line like ${line}`, () => (run.output.some((l) => line.test(l)) ? true : undefined), STAGE_TIMEOUT_MS);

/** The twin's CLI: the supervisor twin.json names. */
const cliPid = (stateDir: string) => until('the supervisor pid in twin.json', () => readStateFile(stateDir)?.supervisorPid, STAGE_TIMEOUT_MS);

/** Every process whose command line names the state dir (CLI, pg_autoctl, postgres, HAProxy, instances) or is one of `pids`. */
function leftovers(stateDir: string, pids: number[]): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes(stateDir) || pids.includes(Number(line.trim().split(' ')[0])));
}

/** Waits for the npm process and the CLI to be gone, then finds no process of the twin. */
async function expectNothingLeft(run: Run, stateDir: string, pids: number[]): Promise<void> {
  await run.exited;
  await until('the CLI to exit', () => (pids.some((pid) => isAlive(pid)) ? undefined : true), STOP_TIMEOUT_MS).catch(() => undefined);
  expect(leftovers(stateDir, pids)).toEqual([]);
}

describe('stop signals (issue 19)', () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-signals-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('SIGTERM to npm while the database is being created: everything stops, npm exits non-zero', async () => {
    const run = npmStart(stateDir, true);
    await stage(run, /^\s+database\s+monitor and writer up/);
    const groups = readStateFile(stateDir)?.processGroups ?? [];
    const cli = await cliPid(stateDir);
    run.npm.kill('SIGTERM');
    expect((await run.exited).code).not.toBe(0);
    expect(run.output.join('\n')).toContain('Start-up interrupted by SIGTERM');
    await expectNothingLeft(run, stateDir, [cli, ...groups]);
  }, 600_000);

  it('SIGINT to the CLI while instances launch: the next start resumed without --fresh, and everything stops', async () => {
    const run = npmStart(stateDir, false);
    await stage(run, /^\s+instances\s+launching/);
    const cli = await cliPid(stateDir);
    process.kill(cli, 'SIGINT');
    expect((await run.exited).code).not.toBe(0);
    expect(run.output.join('\n')).toContain('Start-up interrupted by SIGINT');
    await expectNothingLeft(run, stateDir, [cli, ...(readStateFile(stateDir)?.processGroups ?? [])]);
  }, 600_000);

  it('SIGHUP to npm once ready (npm dies without passing it on): everything stops', async () => {
    const run = npmStart(stateDir, false);
    await stage(run, /^Ready in/);
    const cli = await cliPid(stateDir);
    const groups = readStateFile(stateDir)?.processGroups ?? [];
    expect(groups.length).toBeGreaterThan(4);
    run.npm.kill('SIGHUP');
    await stage(run, /stopped; no process left/);
    await expectNothingLeft(run, stateDir, [cli, ...groups]);
  }, 600_000);

  it('SIGTERM to the CLI once ready, then SIGINT to npm and SIGHUP to the CLI during the stop: the stop goes on to the end', async () => {
    const run = npmStart(stateDir, false);
    await stage(run, /^Ready in/);
    const cli = await cliPid(stateDir);
    const groups = readStateFile(stateDir)?.processGroups ?? [];
    process.kill(cli, 'SIGTERM');
    await stage(run, /^\s+instances\s+draining and stopping/);
    run.npm.kill('SIGINT');
    process.kill(cli, 'SIGHUP');
    await stage(run, /Stopping is in progress/);
    await expectNothingLeft(run, stateDir, [cli, ...groups]);
    expect(run.output.join('\n')).toContain('stopped; no process left');
  }, 600_000);

  it('after all of that, npm start without --fresh brings the twin up again', async () => {
    const run = npmStart(stateDir, false);
    await stage(run, /^Ready in/);
    const cli = await cliPid(stateDir);
    const groups = readStateFile(stateDir)?.processGroups ?? [];
    run.npm.kill('SIGTERM');
    await expectNothingLeft(run, stateDir, [cli, ...groups]);
  }, 600_000);
});

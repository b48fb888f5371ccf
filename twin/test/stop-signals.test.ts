import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
 * Then the same for a drill and the bench that start a twin of their own.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ROOT_SCRIPTS = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
/** Every port free-picked; the database ports are then kept by the state dir, as for a person. */
const PORT_ARGS = Object.values(portFlags).flatMap(({ flag }) => [flag, '0']);
const STAGE_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 120_000;

interface Run {
  npm: ChildProcess;
  output: string[];
  /** True once npm's stdout and stderr are both closed: nothing (npm or a child that outlived it) can print any more. */
  outputEnded: () => boolean;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A root npm script run by npm as `npm run <script>` runs it (npm → bootstrap → the command), with
 * bootstrap's installs skipped: a test must never run `npm ci`, which bootstrap does when
 * node_modules carries no stamp of package-lock.json.
 */
function npmRun(script: 'start' | 'drill' | 'bench', args: string[]): Run {
  const command = ROOT_SCRIPTS[script]?.replace('bootstrap.mjs', 'bootstrap.mjs --skip-install');
  expect(command).toContain('--skip-install');
  const npm = spawn('npm', ['exec', '--call', `${command} ${args.join(' ')}`], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let open = 0;
  for (const stream of [npm.stdout, npm.stderr]) {
    if (!stream) continue;
    open++;
    createInterface({ input: stream })
      .on('line', (line) => output.push(line))
      .on('close', () => open--);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  return { npm, output, outputEnded: () => open === 0, exited };
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

/** Waits for a progress line; when it never comes, the error carries the run's last lines (why the start stalled or failed). */
async function stage(run: Run, line: RegExp): Promise<void> {
  try {
    await until(
      `a line like ${line}`,
      () => {
        if (run.output.some((l) => line.test(l))) return true;
        if (run.outputEnded()) throw new Error(`the output ended before a line like ${line}`);
        return undefined;
      },
      STAGE_TIMEOUT_MS,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; the run's last lines:\n${run.output.slice(-40).join('\n')}`);
  }
}

const npmStart = (stateDir: string, fresh: boolean) => npmRun('start', ['--state-dir', stateDir, '--no-build', ...(fresh ? ['--fresh'] : []), ...PORT_ARGS]);

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

  it('`npm run twin -- down` while the twin starts (no control API yet): it stops in order', async () => {
    const run = npmStart(stateDir, false);
    await stage(run, /^\s+release\s+shop built/);
    const cli = await cliPid(stateDir);
    const down = execFileSync('npm', ['run', '--silent', 'twin', '--', 'down', '--state-dir', stateDir], { cwd: REPO, encoding: 'utf8' });
    expect(down).toContain('it has stopped');
    expect((await run.exited).code).not.toBe(0);
    await expectNothingLeft(run, stateDir, [cli, ...(readStateFile(stateDir)?.processGroups ?? [])]);
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

describe('stop signals to a drill or the bench that starts its own twin', () => {
  // An empty state dir: no twin answers there, so each starts a fresh one in a temp dir of its own.
  const noTwin = mkdtempSync(path.join(os.tmpdir(), 'evermall-no-twin-'));
  afterAll(() => rmSync(noTwin, { recursive: true, force: true }));

  /** The state dir of the twin that `run` started: the one whose supervisor descends from its npm process. */
  const ownTwinDir = (run: Run) =>
    until(
      'the state dir of the twin it started',
      () =>
        readdirSync(os.tmpdir())
          .filter((name) => name.startsWith('evermall-drill-twin-'))
          .map((name) => path.join(os.tmpdir(), name))
          .find((dir) => descendsFrom(readStateFile(dir)?.supervisorPid, run.npm.pid)),
      STAGE_TIMEOUT_MS,
    );

  it('SIGINT to npm while a drill starts its twin: the drill stops it and exits non-zero', async () => {
    const run = npmRun('drill', ['flash-sale', '--state-dir', noTwin, '--no-png']);
    await stage(run, /\[twin\] database: monitor and writer up/);
    const dir = await ownTwinDir(run);
    const pids = [readStateFile(dir)?.supervisorPid ?? 0, ...(readStateFile(dir)?.processGroups ?? [])];
    run.npm.kill('SIGINT');
    expect((await run.exited).code).not.toBe(0);
    expect(run.output.join('\n')).toContain('Interrupted (SIGINT)');
    await expectNothingLeft(run, dir, pids);
  }, 600_000);

  it('SIGTERM to the bench while its twin launches instances: the bench stops it and exits non-zero', async () => {
    const run = npmRun('bench', ['--state-dir', noTwin]);
    await stage(run, /\[twin\] instances: launching/);
    const dir = await ownTwinDir(run);
    const bench = readStateFile(dir)?.supervisorPid ?? 0;
    const pids = [bench, ...(readStateFile(dir)?.processGroups ?? [])];
    process.kill(bench, 'SIGTERM');
    expect((await run.exited).code).not.toBe(0);
    expect(run.output.join('\n')).toContain('Interrupted (SIGTERM)');
    await expectNothingLeft(run, dir, pids);
  }, 600_000);
});

/** True when `pid` is `ancestor` or one of its descendants (read from /proc). */
function descendsFrom(pid: number | undefined, ancestor: number | undefined): boolean {
  for (let p = pid; p && p > 1;) {
    if (p === ancestor) return true;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
      p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { supervisorSettings } from './config/twin-settings.js';

/** The signals that ask a twin (and a drill or bench that started one) to stop. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Stop requests to this process: SIGINT (Ctrl-C), SIGTERM, SIGHUP, or the end of the npm process
 * that launched it. npm passes only SIGINT and SIGTERM on to its script; a SIGHUP ends npm and
 * leaves the script running, so the end of a launcher counts as the SIGHUP it would have passed.
 * Listening starts at construction: a request is never lost, however early it comes.
 */
export class StopRequests {
  private readonly controller = new AbortController();
  private first: StopSignal | undefined;

  /** `onRepeat` hears every request after the first (the first aborts `signal`). */
  constructor(private readonly onRepeat: (signal: StopSignal) => void = () => undefined) {
    for (const name of STOP_SIGNALS) process.on(name, () => this.request(name));
    const launchers = npmLaunchers();
    if (launchers.length > 0) {
      setInterval(() => {
        if (!launchersAlive(launchers)) this.request('SIGHUP');
      }, supervisorSettings.launcherCheckMs).unref();
    }
  }

  /** Aborted by the first stop request; its reason is the signal's name. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The shell's exit code for the first request's signal (128 + its number); 1 before any. */
  get exitCode(): number {
    return this.first ? 128 + constants.signals[this.first] : 1;
  }

  /**
   * On the first request, stops what `target` started (once it has started, or as soon as its
   * start gives up) and exits with the signal's code: a drill or bench leaves no twin behind.
   */
  stopThenExit(target: Promise<{ stop(): Promise<void> }>, log: (line: string) => void, what: string): void {
    const stop = () => {
      log(`Interrupted (${String(this.signal.reason)}): stopping what the ${what} started…`);
      void target
        .then(
          (t) => t.stop(),
          () => undefined,
        )
        .finally(() => process.exit(this.exitCode));
    };
    if (this.signal.aborted) stop();
    else this.signal.addEventListener('abort', stop, { once: true });
  }

  private request(name: StopSignal): void {
    if (this.first) {
      this.onRepeat(name);
      return;
    }
    this.first = name;
    this.controller.abort(name);
  }
}

/** This process's chain of launchers, innermost first: [pid, parent] pairs up to the outermost npm. */
function npmLaunchers(): [number, number][] {
  const chain: [number, number][] = [];
  let pid = process.pid;
  // A process npm started has npm_lifecycle_event in its environment; the npm that has none is the outermost.
  while (startedByNpm(pid)) {
    const parent = parentOf(pid);
    if (!parent || parent <= 1) break;
    chain.push([pid, parent]);
    pid = parent;
  }
  return chain;
}

/** A launcher that died has had its child handed to another parent (even before it is reaped). */
function launchersAlive(chain: [number, number][]): boolean {
  return chain.every(([pid, parent]) => parentOf(pid) === parent);
}

function startedByNpm(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .some((v) => v.startsWith('npm_lifecycle_event='));
  } catch {
    return false;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

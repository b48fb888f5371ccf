import postgres from 'postgres';
import { round } from './figures.js';

/** How often each node is asked. */
const PROBE_MS = 500;
/** A node that has not committed within this is not taking writes (a synchronous commit waiting for a lost standby, a frozen or unreachable node). */
const DEADLINE_MS = 1000;

export interface ProbedNode {
  name: string;
  port: number;
}

export interface SplitBrainFigures {
  /** Rounds in which more than one node committed a write: split brain. The goal is 0. */
  splitBrainRounds: number;
  rounds: number;
  /** Per node: the rounds in which it committed a write. */
  writableRounds: Record<string, number>;
  /** The longest stretch in which no node committed a write, in seconds. */
  longestNoWriterSeconds: number;
}

/**
 * Asks every failover candidate, twice a second and from outside either zone (as the monitor
 * sees them), whether it commits a write right now: `txid_current()` forces a transaction id, so
 * its commit writes WAL and waits for the synchronous standby like any order. A round in which
 * two nodes commit is split brain, whatever the monitor believes.
 */
export class SplitBrainProbe {
  private readonly clients: Map<string, postgres.Sql>;
  private readonly inFlight = new Set<string>();
  private readonly rounds: { at: number; writable: string[] }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** The writer URL the twin publishes (its user and database); the host list is replaced per node. */
    writerUrl: string,
    private readonly nodes: ProbedNode[],
  ) {
    const url = new URL(writerUrl.replace(/@[^/]+\//, '@HOST/'));
    url.searchParams.delete('target_session_attrs');
    this.clients = new Map(
      nodes.map((n) => [
        n.name,
        postgres(url.toString().replace('HOST', `127.0.0.1:${n.port}`), { max: 1, connect_timeout: 1, idle_timeout: 0, max_lifetime: null, onnotice: () => undefined }),
      ]),
    );
  }

  start(): void {
    this.timer = setInterval(() => void this.round(), PROBE_MS);
  }

  async stop(): Promise<SplitBrainFigures> {
    clearInterval(this.timer);
    await Promise.all([...this.clients.values()].map((c) => c.end({ timeout: 1 }).catch(() => undefined)));
    return this.figures();
  }

  figures(): SplitBrainFigures {
    const writableRounds = Object.fromEntries(this.nodes.map((n) => [n.name, this.rounds.filter((r) => r.writable.includes(n.name)).length]));
    let longest = 0;
    let since: number | undefined;
    for (const r of this.rounds) {
      if (r.writable.length === 0) since ??= r.at;
      else if (since !== undefined) {
        longest = Math.max(longest, r.at - since);
        since = undefined;
      }
    }
    if (since !== undefined && this.rounds.length) longest = Math.max(longest, this.rounds[this.rounds.length - 1]!.at - since);
    return {
      splitBrainRounds: this.rounds.filter((r) => r.writable.length > 1).length,
      rounds: this.rounds.length,
      writableRounds,
      longestNoWriterSeconds: round(longest / 1000, 1) ?? 0,
    };
  }

  private async round(): Promise<void> {
    const at = Date.now();
    const answers = await Promise.all(this.nodes.map(async (n) => ((await this.commits(n.name)) ? n.name : undefined)));
    this.rounds.push({ at, writable: answers.filter((a): a is string => a !== undefined) });
  }

  /** True when `name` committed a write within the deadline. A probe still waiting from an earlier round counts as no. */
  private async commits(name: string): Promise<boolean> {
    if (this.inFlight.has(name)) return false;
    const sql = this.clients.get(name)!;
    this.inFlight.add(name);
    const attempt = (async () => {
      const [row] = await sql<{ recovery: boolean }[]>`select pg_is_in_recovery() as recovery`;
      if (row?.recovery !== false) return false;
      await sql`select txid_current()`;
      return true;
    })()
      .catch(() => false)
      .finally(() => this.inFlight.delete(name));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), DEADLINE_MS)));
    try {
      return await Promise.race([attempt, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

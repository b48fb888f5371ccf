import { databaseSettings } from '../config/twin-settings.js';
import type { EventLog } from '../events.js';
import type { DatabaseCluster, DbNodeStatus } from './database-cluster.js';

/**
 * Follows the cluster as RDS's event stream would: announces a new primary and a node that
 * caught up again, and rebuilds a read replica stuck in a transition for
 * `databaseSettings.replicaStuckSeconds` (twin/README.md, "Known limits").
 */
export class DatabaseWatcher {
  private lastPrimary: string | undefined;
  /** When the watcher last saw `lastPrimary` as the primary: a promotion is looked for after it. */
  private lastPrimarySeenAt = new Date();
  private replicaStuckSince: number | undefined;
  private readonly rejoining = new Set<string>();
  /** Nodes catching up since when, and whether the primary was asked for a checkpoint for them. */
  private readonly catchingUp = new Map<string, { since: number; asked: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly database: DatabaseCluster,
    private readonly events: EventLog,
  ) {}

  /** Takes the first reading (so the current primary is known), then keeps watching. */
  async start(): Promise<void> {
    await this.watch();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async watch(): Promise<void> {
    const nodes = await this.database.nodes().catch((): DbNodeStatus[] => []);
    const primary = nodes.find((n) => n.role === 'primary' && n.running && !n.state.includes('→'));
    await this.notePrimary(primary);
    this.rebuildStuckReplica(nodes, primary);
    this.noteRejoined(nodes);
    this.hurryRebuild(nodes, primary);
    if (!this.stopped) this.timer = setTimeout(() => void this.watch(), databaseSettings.watchIntervalMs);
  }

  /**
   * Announces a new primary with when it took writes by the monitor's own log (`writableAt`, and
   * `readOnlyAt` when it was promoted but still read-only), so a drill can tell the database's
   * promotion time from what the shop added to it.
   */
  private async notePrimary(primary: DbNodeStatus | undefined): Promise<void> {
    if (primary && this.lastPrimary && primary.name !== this.lastPrimary) {
      const since = this.lastPrimarySeenAt;
      const promotion = await this.database.promotion(primary.name, since).catch(() => ({}) as { readOnlyAt?: Date; writableAt?: Date });
      this.events.emit('db-primary-changed', `node ${primary.name} (zone ${primary.zone}) is the primary now (was ${this.lastPrimary})`, {
        node: primary.name,
        ...(promotion.readOnlyAt ? { readOnlyAt: promotion.readOnlyAt.toISOString() } : {}),
        ...(promotion.writableAt ? { writableAt: promotion.writableAt.toISOString() } : {}),
      });
    }
    if (primary) {
      this.lastPrimary = primary.name;
      this.lastPrimarySeenAt = new Date();
    }
  }

  private rebuildStuckReplica(nodes: DbNodeStatus[], primary: DbNodeStatus | undefined): void {
    const replica = nodes.find((n) => n.role === 'replica');
    const stuck = replica && replica.state.includes('→') && primary;
    if (!stuck) this.replicaStuckSince = undefined;
    else if (this.replicaStuckSince === undefined) this.replicaStuckSince = Date.now();
    else if (Date.now() - this.replicaStuckSince > databaseSettings.replicaStuckSeconds * 1000) {
      this.replicaStuckSince = undefined;
      void this.database
        .rebuildReplica(`the read replica was stuck in "${replica.state}" for ${databaseSettings.replicaStuckSeconds}s`)
        .catch((err: unknown) => this.events.emit('db-replica-rebuild-failed', (err as Error).message));
    }
  }

  /**
   * An old primary that comes back after a crash is rewound, or, when pg_rewind fails (pg_autoctl
   * 2.x runs it while the crash-recovery Postgres it started has not yet stopped: "lock file
   * postmaster.pid already exists"), copied again with pg_basebackup. That copy first waits for
   * the primary's next spread checkpoint, up to checkpoint_completion_target × checkpoint_timeout
   * (4.5 min by default) with no standby to fail over to. A node still catching up after
   * `databaseSettings.rebuildCheckpointAfterSeconds` gets one immediate CHECKPOINT on the primary,
   * which ends a spread checkpoint under way, as `pg_basebackup --checkpoint=fast` would.
   */
  private hurryRebuild(nodes: DbNodeStatus[], primary: DbNodeStatus | undefined): void {
    for (const n of nodes) {
      if (!n.running || !n.state.includes('catchingup')) {
        this.catchingUp.delete(n.name);
        continue;
      }
      const seen = this.catchingUp.get(n.name) ?? { since: Date.now(), asked: false };
      this.catchingUp.set(n.name, seen);
      if (seen.asked || !primary || Date.now() - seen.since < databaseSettings.rebuildCheckpointAfterSeconds * 1000) continue;
      seen.asked = true;
      void this.database.checkpoint(primary.name).then(
        () =>
          this.events.emit(
            'db-checkpoint',
            `node ${n.name} still catching up after ${databaseSettings.rebuildCheckpointAfterSeconds} s: asked the primary ${primary.name} for a checkpoint, which its copy waits for`,
            { node: n.name },
          ),
        (err: unknown) => this.events.emit('db-checkpoint-failed', `a checkpoint on ${primary.name} for ${n.name}'s copy failed: ${(err as Error).message}`, { node: n.name }),
      );
    }
  }

  private noteRejoined(nodes: DbNodeStatus[]): void {
    for (const n of nodes) {
      if (!n.running) this.rejoining.add(n.name);
      else if (this.rejoining.has(n.name) && n.state === 'secondary') {
        this.rejoining.delete(n.name);
        this.events.emit('db-node-rejoined', `node ${n.name} caught up and is a ${n.role} again`, { node: n.name });
      }
    }
  }
}

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

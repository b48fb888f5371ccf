import type { CommandResult } from '../status/status-types.js';
import { RegionCommandError, type RegionFailover } from './region-failover.js';

export const regionCommandNames = ['fail-region', 'promote-region', 'restore-region'] as const;
export type RegionCommandName = (typeof regionCommandNames)[number];

/**
 * The region commands of the control API (`fail-region a`, `promote-region b`, `restore-region a`),
 * as CommandResults. Throws RegionCommandError, with what to do, when one cannot run.
 */
export async function runRegionCommand(regions: RegionFailover | undefined, name: RegionCommandName, region: unknown): Promise<CommandResult> {
  if (!regions) throw new RegionCommandError(`${name} needs a second region: start the twin with npm start -- --regions 2`);
  if (typeof region !== 'string') throw new RegionCommandError(`${name} needs a region: ${name === 'promote-region' ? 'b' : 'a'}`);
  switch (name) {
    case 'fail-region': {
      const failed = await regions.failRegion(region);
      return { ok: true, ...failed, expect: ['region-failed'] };
    }
    case 'promote-region': {
      const promotion = await regions.promoteRegion(region);
      return {
        ok: true,
        message:
          `Region b is the primary region after ${promotion.totalSeconds.toFixed(1)} s: its database was promoted (pg_promote ${promotion.seconds.toFixed(1)} s; ` +
          `last commit replayed from region a ${promotion.lastReplayedCommitAt ?? 'none'}; ${promotion.sequencesAdvanced} sequences moved ahead), its fleet reaches it as a writer, ` +
          `scales to ${promotion.scaledTo.desired}, and the global front door's region a record is out. Region b takes traffic once its health check passes.`,
        promotion,
        expect: ['region-promoted'],
      };
    }
    case 'restore-region': {
      const restored = await regions.restoreRegion(region);
      return { ok: true, ...restored, expect: [] };
    }
  }
}

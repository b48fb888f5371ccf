import { allowIdleInTransaction, type Sql } from '../db/pools.js';
import type { Logger } from '../lib/logger.js';
import type { MediaStorage } from '../media/media-storage.js';
import { runPeriodically, type PeriodicTask } from '../lib/periodic-task.js';
import { exportStaticSite, type ExportResult } from './export-static-site.js';
import { backupExportIsDue, recordBackupExport, tryBackupExportLock } from './static-site.repository.js';

/**
 * An export is due once this share of the interval has passed since the last one, so timers
 * on different instances drifting by a few seconds do not skip a whole interval.
 */
const DUE_AFTER_SHARE_OF_INTERVAL = 0.9;

export interface BackupExporterOptions {
  /** Holds the advisory lock and records each export. */
  writer: Sql;
  /** Reads the catalog (a replica when configured). */
  reader: Sql;
  /** The images the site's pages show (app.media). */
  media: MediaStorage;
  outDir: string;
  intervalSeconds: number;
  instanceId: string;
  logger: Logger;
  /** Called after each export this instance made, e.g. to upload the folder. */
  onExported?: (result: ExportResult) => Promise<void> | void;
}

/** A round exports if the lock is free and an export is due. */
export type BackupExporter = PeriodicTask<ExportResult | undefined>;

/**
 * Keeps the static backup site fresh from running instances. Every interval each instance tries
 * `pg_try_advisory_xact_lock`; the one that gets it exports if the last export (by anyone) is old
 * enough, and records it. The lock is transaction-scoped, so it is released even if the instance
 * dies mid-export. The first round runs at start, so a new deployment has a backup site at once.
 */
export function startBackupExporter(options: BackupExporterOptions): BackupExporter {
  const { writer, reader, media, outDir, intervalSeconds, instanceId, logger } = options;
  const runOnce = async (): Promise<ExportResult | undefined> => {
    const result = await writer.begin(async (tx) => {
      // The export reads the catalog and writes pages while this transaction holds the lock.
      await allowIdleInTransaction(tx);
      if (!(await tryBackupExportLock(tx))) return undefined;
      if (!(await backupExportIsDue(tx, intervalSeconds * DUE_AFTER_SHARE_OF_INTERVAL))) return undefined;
      const exported = await exportStaticSite({ sql: reader, media, outDir });
      await recordBackupExport(tx, instanceId, exported.version);
      return exported;
    });
    if (result) {
      logger.info({ outDir: result.outDir, version: result.version, products: result.products, pages: result.pages }, 'exported the static backup site');
      await options.onExported?.(result);
    }
    return result;
  };

  return runPeriodically(runOnce, { intervalSeconds, logger, failure: 'static backup site export failed; retrying next interval' });
}

import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { S3Event } from 'aws-lambda';
import { objectCreatedEvent } from './s3-event.js';

export interface BucketFolderNotificationsOptions {
  /** The twin's S3: bucket `bucket` is the folder `<root>/<bucket>`. */
  root: string;
  bucket: string;
  /** S3's notification filter: only keys ending in one of these raise an event. */
  suffixes: readonly string[];
  /** Where each event goes, usually `runner.invoke`. */
  notify: (event: S3Event) => void;
  /** The folder cannot be watched any more (deleted, or out of inotify watches). */
  onError: (err: Error) => void;
}

/**
 * S3 event notifications for a folder that stands in for a bucket: each file that appears at
 * the top of the folder raises an ObjectCreated event, as S3 raises one for each new object (S3
 * User Guide, "Amazon S3 Event Notifications"). Writers must do what S3 does for its readers and
 * make a file appear whole: write a temp name that starts with a dot and rename it (the shop's
 * uploads and FolderMediaObjects both do). Dot files are never announced.
 *
 * Only new files: like a new notification configuration in S3, nothing already in the folder is
 * announced. Subfolders (the variants) are not watched: the resize function's own writes would
 * otherwise announce themselves.
 */
export class BucketFolderNotifications {
  private readonly folder: string;
  private readonly watcher: FSWatcher;
  /** The files already announced, by name, inode and modification time: one write, one event, whatever fs.watch repeats. */
  private readonly announced = new Map<string, string>();

  constructor(private readonly options: BucketFolderNotificationsOptions) {
    this.folder = path.join(options.root, options.bucket);
    // S3 has the bucket before the first upload; so does the twin.
    mkdirSync(this.folder, { recursive: true });
    this.watcher = watch(this.folder, (_type, name) => {
      if (name) this.consider(name).catch(options.onError);
    });
    this.watcher.on('error', options.onError);
  }

  /** Stops announcing; the watcher keeps the process alive until then. */
  close(): void {
    this.watcher.close();
  }

  private async consider(name: string): Promise<void> {
    if (name.startsWith('.') || !this.options.suffixes.some((suffix) => name.endsWith(suffix))) return;
    // Gone again (a delete), or a folder: no ObjectCreated.
    const info = await stat(path.join(this.folder, name)).catch(() => undefined);
    if (!info?.isFile()) return;
    const version = `${info.ino}:${info.mtimeMs}`;
    if (this.announced.get(name) === version) return;
    this.announced.set(name, version);
    this.options.notify(objectCreatedEvent({ bucket: this.options.bucket, key: name, size: info.size, time: info.mtime }));
  }
}

import path from 'node:path';

/** Where the twin keeps its state: one folder, git-ignored, surviving restarts. */
export interface TwinPaths {
  readonly root: string;
  /** Control URL, ports, secrets and the pids of every process the twin started. */
  readonly stateFile: string;
  readonly logs: string;
  readonly events: string;
  readonly db: {
    readonly root: string;
    readonly sockets: string;
    readonly xdgConfig: string;
    readonly xdgData: string;
    readonly xdgRuntime: string;
    pgdata(node: string): string;
  };
  readonly haproxy: { readonly root: string; readonly config: string; readonly socket: string };
  /** EFS stand-in: the media folder every instance shares. */
  readonly efs: string;
  /** S3 stand-ins: the SPA bucket and the static backup site bucket. */
  readonly s3Spa: string;
  readonly s3Backup: string;
}

export function twinPaths(stateDir: string): TwinPaths {
  const root = path.resolve(stateDir);
  const db = path.join(root, 'db');
  return {
    root,
    stateFile: path.join(root, 'twin.json'),
    logs: path.join(root, 'logs'),
    events: path.join(root, 'logs', 'events.jsonl'),
    db: {
      root: db,
      sockets: path.join(db, 'sockets'),
      xdgConfig: path.join(db, 'xdg', 'config'),
      xdgData: path.join(db, 'xdg', 'data'),
      xdgRuntime: path.join(db, 'xdg', 'run'),
      pgdata: (node) => path.join(db, node),
    },
    haproxy: { root: path.join(root, 'haproxy'), config: path.join(root, 'haproxy', 'haproxy.cfg'), socket: path.join(root, 'haproxy', 'admin.sock') },
    efs: path.join(root, 'efs'),
    s3Spa: path.join(root, 's3', 'spa'),
    s3Backup: path.join(root, 's3', 'backup'),
  };
}

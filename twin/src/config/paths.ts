import path from 'node:path';
import { backupSiteDir } from '@evermall/shop/release';

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
  /** The media bucket's folder (`.twin/s3/media`), the instances' MEDIA_DIR, which the resize function watches as the bucket (issue 16). */
  readonly s3Media: string;
  /** The resize function's on-failure destination: a Lambda invocation record per event that failed three times. */
  readonly resizeFailures: string;
  /** The trace collector's spans, JSON lines, rotated (twin/src/tracing/trace-store.ts). */
  readonly traces: string;
  /** The mailbox: every message the twin's SMTP sink (SES's stand-in) received, one .eml file each (twin/src/mail/). */
  readonly mail: string;
  /** S3 stand-in: the SPA bucket. */
  readonly s3Spa: string;
  /**
   * The static backup site the front door falls back to. The instances export it into their state
   * directory and the front door serves it from there: the twin has no upload step, so this folder
   * is what the S3 bucket holds on AWS after an instance's upload.
   */
  readonly s3Backup: string;
  /** The shop releases instances run, one numbered folder each (shop/build.mjs --out). */
  readonly releases: string;
  /**
   * The instances' directories besides the release and media (shop/src/release/service.ts): state
   * and logs (writable), and secrets (the database login the host writes for them; read-only to them).
   */
  readonly shop: { readonly state: string; readonly logs: string; readonly secrets: string };
  /** Secrets Manager stand-in: one JSON secret per database login (twin/src/database/database-logins.ts). */
  readonly secrets: string;
  /** The Toss Payments stand-in's journal: its payments survive a restart, as the real provider's do. */
  readonly payments: { readonly root: string; readonly journal: string };
  /** The sign-in providers: each one's data dir (keys, sessions, users) and the config file the twin writes it each start. */
  readonly identity: { readonly root: string; readonly pool: IdentityProviderPaths; readonly social: IdentityProviderPaths };
  /**
   * The cache tier: one folder per node and Sentinel (its config, which Sentinel rewrites, and its
   * working dir), and the endpoint's HAProxy config and Runtime API socket.
   */
  readonly cache: { readonly root: string; node(name: string): string; readonly endpointConfig: string; readonly endpointSocket: string };
  /**
   * The message broker: one folder per RabbitMQ node (its config, cookie and data, kept across
   * restarts: the queues' messages live there), and the endpoint's HAProxy config and Runtime API socket.
   */
  readonly broker: { readonly root: string; node(name: string): string; readonly endpointConfig: string; readonly endpointSocket: string };
}

export interface IdentityProviderPaths {
  readonly data: string;
  readonly config: string;
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
    s3Media: path.join(root, 's3', 'media'),
    resizeFailures: path.join(root, 'functions', 'resize-image', 'failed'),
    traces: path.join(root, 'traces'),
    mail: path.join(root, 'mail'),
    s3Spa: path.join(root, 's3', 'spa'),
    s3Backup: backupSiteDir({ state: path.join(root, 'shop', 'state') }),
    releases: path.join(root, 'releases'),
    shop: { state: path.join(root, 'shop', 'state'), logs: path.join(root, 'logs', 'shop'), secrets: path.join(root, 'shop', 'secrets') },
    secrets: path.join(root, 'secrets'),
    payments: { root: path.join(root, 'payments'), journal: path.join(root, 'payments', 'toss-standin.jsonl') },
    identity: {
      root: path.join(root, 'identity'),
      pool: { data: path.join(root, 'identity', 'pool'), config: path.join(root, 'identity', 'pool.config.json') },
      social: { data: path.join(root, 'identity', 'social'), config: path.join(root, 'identity', 'social.config.json') },
    },
    cache: {
      root: path.join(root, 'cache'),
      node: (name) => path.join(root, 'cache', name),
      endpointConfig: path.join(root, 'cache', 'endpoint', 'haproxy.cfg'),
      endpointSocket: path.join(root, 'cache', 'endpoint', 'admin.sock'),
    },
    broker: {
      root: path.join(root, 'broker'),
      node: (name) => path.join(root, 'broker', name),
      endpointConfig: path.join(root, 'broker', 'endpoint', 'haproxy.cfg'),
      endpointSocket: path.join(root, 'broker', 'endpoint', 'admin.sock'),
    },
  };
}

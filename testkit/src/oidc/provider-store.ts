import { renameSync, writeFileSync } from 'node:fs';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { Journal } from '../toss-standin/journal.js';

type Entry = { payload: AdapterPayload; expiresAt: number | undefined };

type StoreLine = { op: 'upsert'; key: string; payload: AdapterPayload; expiresAt?: number } | { op: 'consume'; key: string; at: number } | { op: 'destroy'; key: string };

/** Models whose artifacts belong to a grant, so revoking the grant removes them (oidc-provider's memory adapter keeps the same set). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

/**
 * One provider's sessions, interactions, grants, codes and tokens: oidc-provider's adapter
 * contract (docs/README.md#adapter) over a Map, optionally journalled to a JSON lines file so a
 * restarted provider keeps its signed-in browsers and unredeemed codes, as Cognito does. Each
 * change is appended before the provider answers the request that made it. The journal is
 * compacted at start (expired and removed entries dropped), so it grows only with one run's work.
 *
 * Each provider gets a store of its own even without a file: oidc-provider's default memory
 * adapter is one store per process, and a test runs the user pool and the social IdP in one.
 */
export class ProviderStore {
  private readonly entries = new Map<string, Entry>();
  private readonly journal: Journal<StoreLine> | undefined;

  constructor(file?: string) {
    if (file === undefined) return;
    this.journal = new Journal<StoreLine>(file);
    for (const line of this.journal.replay()) this.apply(line);
    this.compact(file);
  }

  /** The adapter factory oidc-provider's `adapter` setting takes. */
  readonly adapter = (model: string): Adapter => {
    const key = (id: string): string => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
        this.write({ op: 'upsert', key: key(id), payload, ...(expiresAt === undefined ? {} : { expiresAt }) });
      },
      find: async (id) => this.live(key(id))?.payload,
      findByUid: async (uid) => this.findWhere(model, (p) => p.uid === uid),
      findByUserCode: async (userCode) => this.findWhere(model, (p) => p.userCode === userCode),
      consume: async (id) => {
        if (this.live(key(id))) this.write({ op: 'consume', key: key(id), at: Math.floor(Date.now() / 1000) });
      },
      destroy: async (id) => {
        if (this.entries.has(key(id))) this.write({ op: 'destroy', key: key(id) });
      },
      revokeByGrantId: async (grantId) => {
        for (const [k, entry] of this.entries) {
          if (GRANTABLE.has(k.slice(0, k.indexOf(':'))) && entry.payload.grantId === grantId) this.write({ op: 'destroy', key: k });
        }
      },
    };
  };

  private write(line: StoreLine): void {
    this.journal?.append(line);
    this.apply(line);
  }

  private apply(line: StoreLine): void {
    if (line.op === 'upsert') this.entries.set(line.key, { payload: line.payload, expiresAt: line.expiresAt });
    else if (line.op === 'destroy') this.entries.delete(line.key);
    else {
      const entry = this.entries.get(line.key);
      if (entry) entry.payload = { ...entry.payload, consumed: line.at };
    }
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Sessions by uid and device codes by user code are rare look-ups over a few hundred entries: a scan, not an index to keep in step. */
  private findWhere(model: string, match: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    for (const key of this.entries.keys()) {
      if (!key.startsWith(`${model}:`)) continue;
      const entry = this.live(key);
      if (entry && match(entry.payload)) return entry.payload;
    }
    return undefined;
  }

  /** Rewrites the journal as one upsert per live entry, through a rename so a crash leaves the old file or the new one. */
  private compact(file: string): void {
    const lines: StoreLine[] = [];
    for (const key of [...this.entries.keys()]) {
      const entry = this.live(key);
      if (entry) lines.push({ op: 'upsert', key, payload: entry.payload, ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }) });
    }
    writeFileSync(`${file}.compacting`, lines.map((line) => JSON.stringify(line) + '\n').join(''), { mode: 0o600 });
    renameSync(`${file}.compacting`, file);
  }
}

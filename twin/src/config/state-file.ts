import { readFileSync } from 'node:fs';
import { twinPaths } from './paths.js';
import type { TwinPortMap } from './ports.js';

/** What twin.json holds: how to reach a running twin, and what survives a restart. */
export interface TwinStateFile {
  controlUrl?: string | undefined;
  supervisorPid?: number | undefined;
  ports: TwinPortMap;
  sessionSecret: string;
  /** The payment provider stand-in's keys, generated once (older state files have none yet). */
  paymentKeys?: { clientKey: string; secretKey: string };
  /** Client secrets of the sign-in providers: the shop's at the user pool, the pool's at the social IdP; generated once. */
  identitySecrets?: { shopAtUserPool: string; userPoolAtSocialIdp: string };
  /** The cache tier's AUTH password (requirepass, masterauth, the Sentinels' and the endpoint check's), generated once. */
  cachePassword?: string;
  /** The message broker's password (RabbitMQ's default user, in the amqp URL instances and consumers get), generated once. */
  brokerPassword?: string;
  seeded?: boolean;
  /** Process groups the twin started, so `down` can clean up after a crashed supervisor. */
  processGroups?: number[];
}

export function readStateFile(stateDir: string): TwinStateFile | undefined {
  try {
    return JSON.parse(readFileSync(twinPaths(stateDir).stateFile, 'utf8')) as TwinStateFile;
  } catch {
    return undefined;
  }
}

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { postgresOwner } from '@evermall/testkit';
import { removeLeftoverQuotas } from '../instances/cpu-quota.js';
import { isAlive, signalGroup } from '../processes.js';
import { twinPaths, type TwinPaths } from './paths.js';
import { assertPortsFree, defaultPorts, resolvePorts, type TwinPortMap } from './ports.js';
import { readStateFile, type TwinStateFile } from './state-file.js';

/** A state dir ready for a start: its folders, the ports, and twin.json with a way to save it. */
export interface PreparedStateDir {
  paths: TwinPaths;
  ports: TwinPortMap;
  state: TwinStateFile;
  saveState(): void;
}

/** Test keys in Toss's format (docs.tosspayments.com/reference/using-api/api-keys), which the shop's config checks. */
function newPaymentKeys(): { clientKey: string; secretKey: string } {
  return { clientKey: `test_ck_twin_${randomBytes(12).toString('hex')}`, secretKey: `test_sk_twin_${randomBytes(12).toString('hex')}` };
}

/** Kills process groups a crashed twin left behind. Returns how many were alive. */
export function killLeftovers(stateDir: string): number {
  const state = readStateFile(stateDir);
  const alive = (state?.processGroups ?? []).filter((pid) => isAlive(pid));
  for (const pid of alive) signalGroup(pid, 'SIGKILL');
  if (state?.supervisorPid && state.supervisorPid !== process.pid && isAlive(state.supervisorPid)) signalGroup(state.supervisorPid, 'SIGKILL');
  return alive.length;
}

/**
 * Makes `stateDir` ready for a start: wiped first when `fresh`, refused while another twin runs
 * from it, cleared of what a crashed run left, its folders made, its ports chosen (database
 * ports kept from the last run: pg_autoctl's config holds them) and checked free, and twin.json
 * written with this process as the supervisor.
 */
export async function prepareStateDir(
  stateDir: string,
  options: { fresh?: boolean | undefined; ports?: Partial<TwinPortMap> | undefined },
  say: (component: string, message: string) => void,
): Promise<PreparedStateDir> {
  const paths = twinPaths(stateDir);
  if (options.fresh) {
    killLeftovers(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }
  // CPU quota groups of instances of a twin that was killed (they are empty once its processes are gone).
  removeLeftoverQuotas();
  const previous = readStateFile(stateDir);
  if (previous?.supervisorPid && previous.supervisorPid !== process.pid && isAlive(previous.supervisorPid)) {
    throw new Error(`a twin is already running from ${stateDir} (pid ${previous.supervisorPid}): stop it with npm run twin -- down`);
  }
  if (killLeftovers(stateDir) > 0) say('state', 'stopped processes left by a previous run');

  for (const dir of [paths.root, paths.logs, paths.s3Media, paths.s3Spa, paths.s3Backup, paths.haproxy.root]) mkdirSync(dir, { recursive: true });
  // Postgres runs as `postgres` when we are root: it must be able to walk into the state dir.
  if (postgresOwner()) chmodSync(paths.root, 0o755);

  const base = { ...defaultPorts(), ...(previous?.ports ?? {}), ...options.ports };
  if (previous?.ports && !options.fresh) {
    for (const k of ['dbMonitor', 'dbNodeA', 'dbNodeB', 'dbReplica'] as const) base[k] = previous.ports[k];
  }
  const ports = await resolvePorts(base);
  await assertPortsFree(ports, [
    'frontDoor',
    'loadBalancer',
    'statusPage',
    'haproxyStats',
    'paymentProvider',
    'userPool',
    'socialIdp',
    'cacheEndpoint',
    'cacheNodeA',
    'cacheNodeB',
    'cacheSentinel1',
    'cacheSentinel2',
    'cacheSentinel3',
    'brokerEndpoint',
    'brokerNode1',
    'brokerNode2',
    'brokerNode3',
    'brokerDist1',
    'brokerDist2',
    'brokerDist3',
    'brokerEpmd',
    'dbMonitor',
    'dbNodeA',
    'dbNodeB',
    'dbReplica',
  ]);

  const state: TwinStateFile = {
    ports,
    sessionSecret: previous?.sessionSecret ?? randomBytes(32).toString('hex'),
    // Kept like the session secret: instances launched after a restart, and the payments journalled
    // before it, go on with the keys the stand-in had.
    paymentKeys: previous?.paymentKeys ?? newPaymentKeys(),
    // Kept too: the providers' registrations and the instances' settings must agree across restarts.
    identitySecrets: previous?.identitySecrets ?? { shopAtUserPool: randomBytes(32).toString('base64url'), userPoolAtSocialIdp: randomBytes(32).toString('base64url') },
    // Kept too: instances launched before and after a restart send the same AUTH password.
    cachePassword: previous?.cachePassword ?? randomBytes(32).toString('hex'),
    // Kept too: the broker's nodes created their user with it on their first start.
    brokerPassword: previous?.brokerPassword ?? randomBytes(32).toString('hex'),
    seeded: previous?.seeded ?? false,
    supervisorPid: process.pid,
  };
  const saveState = () => writeFileSync(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  saveState();
  return { paths, ports, state, saveState };
}

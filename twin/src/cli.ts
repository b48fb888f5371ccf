import path from 'node:path';
import { parseArgs } from 'node:util';
import { TwinClient, TwinCommandError, findRunningTwin } from './client.js';
import { twinEnvironment } from './config/environment.js';
import { portFlags, type TwinPortMap } from './config/ports.js';
import { killLeftovers } from './config/state-dir.js';
import { readStateFile } from './config/state-file.js';
import { isAlive, sleep } from './processes.js';
import { renderStatusText } from './status/status-text.js';
import type { CommandResult } from './status/status-types.js';
import { StopRequests } from './stop-requests.js';
import { startTwin, TwinStartInterrupted, type RunningTwin } from './twin.js';

// First of all: a stop request at any moment from here on is heard (issue 19).
const stopRequests = new StopRequests(() => process.stdout.write('Stopping is in progress (another signal does not skip it; the parts are being stopped in order).\n'));
// A closed terminal fails writes; the twin must still stop, not crash on them.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const COMMANDS: Record<string, { usage: string; help: string }> = {
  start: {
    usage: 'start [--fresh] [--instances N] [--regions 1|2] [--state-dir DIR] [--no-build] [port flags]',
    help: 'Bring up the whole topology and stay in the foreground; Ctrl-C stops it. --regions 2 adds the recovery region and the global front door.',
  },
  status: { usage: 'status [--json]', help: 'Print instances per zone, DB roles, front-door mode, traffic and recent events.' },
  'kill-instance': { usage: 'kill-instance [ID]', help: 'SIGKILL one instance (random if no id). The controller replaces it.' },
  'hang-instance': {
    usage: 'hang-instance [ID]',
    help: 'Freeze one instance with SIGSTOP (random if no id): connections stay open, nothing answers. Timeouts and a recheck take it out; the controller replaces it.',
  },
  'slow-instance': {
    usage: 'slow-instance [ID] [--vcpu N]',
    help: 'Starve one instance of CPU (its quota drops to N vCPU, default 0.05) until restore. Needs root (cgroups).',
  },
  'fail-zone': { usage: 'fail-zone a|b', help: 'Kill every instance and DB node in a zone; no launches there until restore.' },
  'partition-zones': {
    usage: 'partition-zones',
    help: 'Split the network between zone a and zone b silently (dropped packets: nftables + net_cls cgroups) until restore. The monitor and the load balancer reach both sides. Needs root.',
  },
  'fail-db-primary': { usage: 'fail-db-primary', help: 'SIGKILL the database primary; pg_auto_failover promotes the standby.' },
  'hang-db-primary': { usage: 'hang-db-primary', help: 'Freeze the database primary with SIGSTOP (alive, silent); the monitor promotes the standby; restore thaws it.' },
  'fail-db-replica': { usage: 'fail-db-replica', help: 'SIGKILL the read replica; reads go to the writer until restore.' },
  'fail-cache-primary': {
    usage: 'fail-cache-primary',
    help: 'SIGKILL the cache primary; the Sentinels promote the replica, the endpoint follows, the old primary rejoins as a replica.',
  },
  'fail-cache': { usage: 'fail-cache', help: 'Take the whole cache tier down (both nodes) until restore-cache or restore; the shop reads PostgreSQL.' },
  'restore-cache': { usage: 'restore-cache', help: 'Start the cache nodes fail-cache (or fail-zone) took down.' },
  'fail-broker-node': {
    usage: 'fail-broker-node [NODE]',
    help: 'SIGKILL one message broker node (broker-1..3; default: the leader of the first queue). The other two serve; it starts again by itself and catches up.',
  },
  'fail-broker': { usage: 'fail-broker', help: 'Take the whole message broker down (every node SIGKILLed) until restore-broker or restore; events wait in the outbox.' },
  'restore-broker': { usage: 'restore-broker', help: 'Start the broker nodes fail-broker took down, with their queues and messages.' },
  'fail-site': { usage: 'fail-site', help: 'Take down every instance so the front door fails over to the backup site.' },
  'stress-cpu': { usage: 'stress-cpu [ID] [--seconds N]', help: 'Burn one CPU on an instance (all in-service ones if no id) to trigger scale-out.' },
  scale: { usage: 'scale N', help: 'Set the desired capacity (between min and max).' },
  'schedule-scale': {
    usage: 'schedule-scale --at ISO|+SECONDS --desired N [--min N] [--max N]',
    help: 'Scheduled action (a planned sale): at that time set desired, and min/max if given. Raise min too, or target tracking scales back in.',
  },
  restore: {
    usage: 'restore',
    help: 'Undo fail-zone / fail-site / fail-db-primary / fail-cache / fail-broker / slow-instance: unblock zones, heal instances, restart DB, cache and broker nodes.',
  },
  deploy: { usage: 'deploy', help: 'Rolling replacement of every instance, zone-balanced, never below min healthy.' },
  'rotate-db-password': {
    usage: 'rotate-db-password',
    help: "Rotate the shop's DB password as Secrets Manager's alternating-users rotation does; instances pick it up without a restart.",
  },
  'kill-consumers': {
    usage: 'kill-consumers',
    help: "SIGKILL the event consumers' process (order notifier, sales feed) mid-batch; the broker redelivers, the process starts again.",
  },
  'fail-region': {
    usage: 'fail-region a',
    help: 'Lose region a whole (--regions 2): SIGKILL its load balancer, database nodes, monitor, cache and instances.',
  },
  'promote-region': {
    usage: 'promote-region b',
    help: "The runbook: promote region b's database, point its fleet at it, scale it up, flip the global front door.",
  },
  'restore-region': {
    usage: 'restore-region a',
    help: 'Bring region a back: as it was if region b was not promoted, else read its old primary (the lost orders, listed), rewind it and make region a the standby region.',
  },
  down: { usage: 'down', help: 'Stop everything in order and leave no process.' },
};

const PORT_OPTIONS = Object.fromEntries(Object.values(portFlags).map((p) => [p.flag.slice(2), { type: 'string' as const }]));

function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  return [
    'Usage: npm run twin -- <command> [options]   (npm start = npm run twin -- start)',
    '',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.help}`),
    '',
    'Options for every command: --state-dir DIR (default .twin), --help.',
    'Fault commands follow the event log for --follow SECONDS (default 45) to show what the system did.',
    `Port flags for start: ${Object.values(portFlags)
      .map((p) => `${p.flag} N`)
      .join(', ')}.`,
  ].join('\n');
}

/** A CLI flag that must be a whole number ≥ 0. */
function wholeNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) fail(`${flag} must be a whole number ≥ 0, got "${text}"`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'state-dir': { type: 'string', default: '.twin' },
      fresh: { type: 'boolean' },
      'no-build': { type: 'boolean' },
      instances: { type: 'string' },
      regions: { type: 'string' },
      json: { type: 'boolean' },
      seconds: { type: 'string' },
      vcpu: { type: 'string' },
      at: { type: 'string' },
      desired: { type: 'string' },
      min: { type: 'string' },
      max: { type: 'string' },
      follow: { type: 'string', default: '45' },
      ...PORT_OPTIONS,
    },
  });
  const [command, ...rest] = positionals;
  // npm runs workspace scripts inside twin/; a relative --state-dir means the caller's directory.
  const stateDir = path.resolve(twinEnvironment().callerDir, values['state-dir'] ?? '.twin');
  if (!command || values.help) {
    const info = command ? COMMANDS[command] : undefined;
    process.stdout.write(`${info ? `Usage: npm run twin -- ${info.usage}\n${info.help}\n` : usage()}\n`);
    return;
  }
  if (!COMMANDS[command]) fail(`Unknown command "${command}": run npm run twin -- --help`);

  if (command === 'start') return start(values, stateDir);
  // Every other command holds nothing that needs stopping: a stop request ends it at once.
  stopRequests.signal.addEventListener('abort', () => process.exit(stopRequests.exitCode), { once: true });
  if (stopRequests.signal.aborted) process.exit(stopRequests.exitCode);
  if (command === 'down') return down(stateDir);

  const client = await findRunningTwin(stateDir);
  if (!client) fail(`No twin is running from ${stateDir}: start one with npm start`);
  if (command === 'status') {
    const s = await client.status();
    process.stdout.write(values.json ? `${JSON.stringify(s, null, 2)}\n` : `${renderStatusText(s)}\n`);
    return;
  }

  const follow = Number(values.follow);
  const since = (await client.status()).events.at(-1)?.at ?? '';
  let result: CommandResult;
  try {
    switch (command) {
      case 'kill-instance':
        result = await client.killInstance(rest[0]);
        break;
      case 'hang-instance':
        result = await client.hangInstance(rest[0]);
        break;
      case 'slow-instance':
        result = await client.slowInstance(rest[0], values.vcpu ? Number(values.vcpu) : undefined);
        break;
      case 'fail-zone':
        result = await client.failZone((rest[0] ?? fail('fail-zone needs a zone: npm run twin -- fail-zone a')) as 'a');
        break;
      case 'fail-db-primary':
        result = await client.failDbPrimary();
        break;
      case 'partition-zones':
        result = await client.command('partition-zones');
        break;
      case 'hang-db-primary':
        result = await client.command('hang-db-primary');
        break;
      case 'fail-db-replica':
        result = await client.command('fail-db-replica');
        break;
      case 'fail-cache-primary':
        result = await client.failCachePrimary();
        break;
      case 'fail-cache':
        result = await client.failCache();
        break;
      case 'restore-cache':
        result = await client.restoreCache();
        break;
      case 'fail-broker-node':
        result = await client.command('fail-broker-node', rest[0] ? { node: rest[0] } : {});
        break;
      case 'fail-broker':
      case 'restore-broker':
        result = await client.command(command);
        break;
      case 'fail-site':
        result = await client.failSite();
        break;
      case 'stress-cpu':
        result = await client.stressCpu(rest[0], values.seconds ? Number(values.seconds) : undefined);
        break;
      case 'scale':
        result = await client.scale(Number(rest[0] ?? fail('scale needs a number: npm run twin -- scale 4')));
        break;
      case 'schedule-scale':
        result = await client.scheduleScale(values.at ?? fail('schedule-scale needs --at: npm run twin -- schedule-scale --at +60 --desired 4 --min 4'), {
          desired: wholeNumber('--desired', values.desired ?? fail('schedule-scale needs --desired N')),
          ...(values.min === undefined ? {} : { min: wholeNumber('--min', values.min) }),
          ...(values.max === undefined ? {} : { max: wholeNumber('--max', values.max) }),
        });
        break;
      case 'restore':
        result = await client.restore();
        break;
      case 'deploy':
        result = await client.deploy();
        break;
      case 'rotate-db-password':
        result = await client.rotateDbPassword();
        break;
      case 'kill-consumers':
        result = await client.killConsumers();
        break;
      case 'fail-region':
      case 'promote-region':
      case 'restore-region':
        result = await client.command(command, { region: rest[0] ?? fail(`${command} needs a region: npm run twin -- ${COMMANDS[command]?.usage}`) });
        break;
      default:
        fail(`Unknown command "${command}": run npm run twin -- --help`);
    }
  } catch (err) {
    if (err instanceof TwinCommandError) fail(`${command}: ${err.message}`);
    throw err;
  }
  process.stdout.write(`✓ ${result.message}\n`);
  // Nothing to wait for (e.g. restore with nothing failed): done.
  if (follow > 0 && result.expect?.length !== 0) await followEvents(client, since, result.expect ?? [], follow);
}

/** Prints what the system does after a command, until an expected event or the time runs out. */
async function followEvents(client: TwinClient, since: string, expect: string[], seconds: number): Promise<void> {
  process.stdout.write(`  What the system did (following for up to ${seconds}s, Ctrl-C to stop watching):\n`);
  const deadline = Date.now() + seconds * 1000;
  const seen = new Set<string>();
  while (Date.now() < deadline) {
    const events = (await client.status()).events.filter((e) => e.at > since && !seen.has(JSON.stringify(e)));
    for (const e of events) {
      seen.add(JSON.stringify(e));
      process.stdout.write(`  ${e.at.slice(11, 19)}  ${e.kind.padEnd(22)} ${e.reason}\n`);
      if (expect.includes(e.kind)) return;
    }
    await sleep(500);
  }
  process.stdout.write('  (still going: npm run twin -- status, or the status page, shows the rest)\n');
}

async function start(values: Record<string, string | boolean | undefined>, stateDir: string): Promise<void> {
  const ports: Partial<TwinPortMap> = {};
  for (const [key, { flag }] of Object.entries(portFlags)) {
    const v = values[flag.slice(2)];
    if (typeof v === 'string') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${flag} must be a port number, got "${v}"`);
      ports[key as keyof TwinPortMap] = n;
    }
  }
  const instances = typeof values.instances === 'string' ? Number(values.instances) : undefined;
  if (instances !== undefined && (!Number.isInteger(instances) || instances < 1)) fail('--instances must be a whole number ≥ 1');
  const regions = values.regions === undefined ? 1 : Number(values.regions);
  if (regions !== 1 && regions !== 2) fail(`--regions must be 1 or 2, got "${String(values.regions)}"`);
  process.stdout.write(`Starting the Evermall twin (state in ${stateDir}${values.fresh ? ', fresh' : ''})\n`);
  const began = Date.now();
  const interrupted = () => process.stdout.write(`\nStopping the twin (${String(stopRequests.signal.reason)})…\n`);
  stopRequests.signal.addEventListener('abort', interrupted, { once: true });
  let twin: RunningTwin;
  try {
    twin = await startTwin({ stateDir, fresh: !!values.fresh, ports, instances, regions, build: !values['no-build'], signal: stopRequests.signal });
  } catch (err) {
    if (err instanceof TwinStartInterrupted) {
      process.stderr.write(`✗ Start-up interrupted by ${String(stopRequests.signal.reason)}; every part started so far is stopped. npm start starts it again.\n`);
      process.exit(stopRequests.exitCode);
    }
    fail(`✗ ${(err as Error).message}`);
  }
  const u = twin.urls;
  process.stdout.write(`
Ready in ${((Date.now() - began) / 1000).toFixed(1)}s.
  Shop (front door)   ${u.frontDoor}${twin.parts.regions ? `\n  Global front door   ${twin.parts.regions.globalFrontDoor.url}   (Route 53 failover: region a, then region b ${twin.parts.regions.regionB.frontDoor.url})` : ''}
  Status page         ${u.status}
  Load balancer       ${u.loadBalancer}   (HAProxy stats ${u.haproxyStats})
  Payments            ${twin.parts.payments.url}   (Toss Payments stand-in; payment window ${twin.parts.payments.payPageUrl})
  User pool           ${twin.parts.identity.userPool.issuer}   (Cognito stand-in; a Kakao sign-in starts at ${twin.parts.identity.signInUrl})
  Social IdP          ${twin.parts.identity.socialIdp.issuer}   (Kakao stand-in, with a sign-up page)
  Cache               ${twin.parts.cache.url}   (primary endpoint: HAProxy in front of a Redis primary and replica, 3 Sentinels)
  Message broker      ${(await twin.parts.broker.status()).endpoint}   (endpoint: HAProxy in front of 3 RabbitMQ nodes; password in ${twin.paths.stateFile})
Try: npm run twin -- status | kill-instance | fail-db-primary | fail-cache-primary | fail-cache | fail-broker-node | fail-broker | fail-site | restore | down
Logs: ${twin.paths.logs}. Ctrl-C stops everything.
`);
  const stopTwin = () => void twin.stop();
  stopRequests.signal.addEventListener('abort', stopTwin, { once: true });
  if (stopRequests.signal.aborted) stopTwin();
  // A bug in the supervisor must not leave Postgres, HAProxy and instances running.
  process.on('uncaughtException', (err) => {
    process.stderr.write(`✗ twin supervisor failed: ${err.message}; stopping everything\n`);
    void twin.stop().finally(() => process.exit(1));
  });
  await twin.stopped;
  process.exit(0);
}

/** Longer than a stop takes (instances drain, four Postgres stop); past it `down` kills what is left. */
const STARTING_STOP_BOUND_MS = 120_000;

async function down(stateDir: string): Promise<void> {
  const client = await findRunningTwin(stateDir);
  if (client) {
    const result = await client.down();
    process.stdout.write(`✓ ${result.message}\n`);
    const pid = readStateFile(stateDir)?.supervisorPid;
    for (;;) {
      const state = readStateFile(stateDir);
      if (!state?.supervisorPid || !isAlive(pid)) break;
      await sleep(250);
    }
    process.stdout.write('✓ The twin has stopped.\n');
    return;
  }
  // A twin still starting has no control API yet: SIGTERM stops what it has started, in order.
  const starting = readStateFile(stateDir)?.supervisorPid;
  if (starting && isAlive(starting)) {
    process.kill(starting, 'SIGTERM');
    const deadline = Date.now() + STARTING_STOP_BOUND_MS;
    while (isAlive(starting) && Date.now() < deadline) await sleep(250);
    if (!isAlive(starting)) {
      process.stdout.write('✓ The twin was still starting; it has stopped.\n');
      return;
    }
  }
  const killed = killLeftovers(stateDir);
  process.stdout.write(killed > 0 ? `✓ No twin answered; killed ${killed} process group(s) it left behind.\n` : `No twin is running from ${stateDir}.\n`);
}

main().catch((err: unknown) => fail(`✗ ${(err as Error).message}`));

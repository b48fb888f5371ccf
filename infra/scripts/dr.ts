// Disaster recovery: `npm run dr -- promote --region <recovery region>` (infra/README.md, "Disaster recovery").
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { asDrError, DrError, recoveryClients } from '../lib/aws-calls.js';
import { pollingWaiter, promote, readStandby } from '../lib/recovery-promotion.js';

const usage = `Usage: npm run dr -- promote --region <region> [--stack-prefix <prefix>] [--dry-run] [--yes]

Makes the recovery region serve the shop, after its primary region was lost (infra/README.md,
"Disaster recovery"): promotes the database replica, makes the media file system writable, takes
the cache out of the Global Datastore, points the database logins at the promoted database, scales
the fleet up and points api.<domain> at the region. Each step prints how to check it; a step an
earlier run finished is skipped, so an interrupted promotion is run again as it was.

  --region        the recovery region (parameter recoveryRegion), e.g. ap-northeast-3
  --stack-prefix  the stacks' prefix (parameter stackPrefix; default Evermall)
  --dry-run       read the recovery region and print the plan; change nothing
  --yes           do not ask for the region again before changing anything

It uses the AWS credentials of the environment (AWS_PROFILE, ...). Asynchronous replication: the
writes the primary region acknowledged in its last seconds may be lost (the replica's lag).
`;

async function confirmed(region: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new DrError('DR_NOT_CONFIRMED', 'not a terminal: add --yes to promote without the question');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(`This cannot be undone. Type ${region} to promote it: `)).trim() === region;
  } finally {
    rl.close();
  }
}

function parsed(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        region: { type: 'string' },
        'stack-prefix': { type: 'string', default: 'Evermall' },
        'dry-run': { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // node:util parseArgs rejects an unknown option or a missing value with ERR_PARSE_ARGS_*.
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS'))
      throw new DrError('DR_USAGE', `${err.message} (npm run dr -- --help)`);
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parsed(argv);
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  if (positionals[0] !== 'promote' || positionals.length !== 1) throw new DrError('DR_USAGE', 'the one command is `promote` (npm run dr -- --help)');
  const region = values.region;
  if (!region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new DrError('DR_USAGE', 'promote needs --region <recovery region>, e.g. --region ap-northeast-3');
  const aws = recoveryClients(region);
  const state = await readStandby(aws, { stackPrefix: values['stack-prefix'] });
  const print = (line: string) => process.stdout.write(`${line}\n`);
  // The plan first, from what the region is now; a dry run stops there.
  await promote(aws, state, { dryRun: true, print, waiter: pollingWaiter(sleep) });
  if (values['dry-run']) return;
  if (!(await confirmed(region, values.yes))) throw new DrError('DR_NOT_CONFIRMED', 'not promoted: the region typed did not match');
  await promote(aws, state, { dryRun: false, print: (line) => print(`[${new Date().toISOString()}] ${line}`), waiter: pollingWaiter(sleep) });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const failure = asDrError(err);
  if (!failure) throw err;
  // One line, whatever AWS put in its message.
  process.stderr.write(`dr: ${failure.code}: ${failure.message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(failure.code === 'DR_USAGE' ? 2 : 1);
});

import { databaseRoles } from '@evermall/shop';
import postgres from 'postgres';
import type { TwinStatus } from '../status/status-types.js';
import { requireTwin, sleep, type Drill, type DrillRun } from './drill.js';
import { withSteadyLoad } from './steady-load.js';

/** The app's alternating users (shop/src/db/roles.ts). */
const appUsers = [databaseRoles.app, `${databaseRoles.app}_clone`];

/**
 * Ends every connection of the app's users on every running database node, as the shop's pools
 * recycling their connections would within the hour (postgres.js max_lifetime, idle_timeout):
 * every instance must log in again, with whatever the secret holds now.
 */
export async function endAppConnections(status: TwinStatus): Promise<number> {
  let ended = 0;
  for (const node of status.database.nodes.filter((n) => n.running)) {
    const sql = postgres(`postgres://postgres@127.0.0.1:${node.port}/evermall`, { max: 1, connect_timeout: 2, onnotice: () => undefined });
    try {
      const rows = await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename IN ${sql(appUsers)}`;
      ended += rows.length;
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  return ended;
}

/** Who the instances' connections on the primary log in as, with how many connections each. */
async function instanceLogins(writerUrl: string): Promise<Record<string, number>> {
  const sql = postgres(writerUrl, { max: 1, connect_timeout: 2, onnotice: () => undefined });
  try {
    const rows = await sql<{ usename: string; n: number }[]>`
      SELECT usename, count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'evermall-i-%' GROUP BY usename ORDER BY usename`;
    return Object.fromEntries(rows.map((r) => [r.usename, r.n]));
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/**
 * credential-rotation: the app's database password is rotated twice under load, by alternating
 * users as Secrets Manager does every `secretRotationDays`, and after each rotation every
 * connection of the app is ended, so each instance logs in again with the rotated secret. Two
 * rotations, because the second is the one that changes the password of the user the instances
 * started with: a shop that read its login once fails from there on.
 */
export function credentialRotationDrill(): Drill {
  return {
    name: 'credential-rotation',
    fault: 'rotate-db-password twice, ending every app connection after each',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin } = requireTwin(env);
      let faultAt = 0;
      let endAt = 0;
      const rounds: { rotation: string; connectionsEnded: number; loginsAfter: Record<string, number> }[] = [];
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        for (let round = 1; round <= 2; round++) {
          const at = mark('fault', `rotate-db-password #${round}`);
          if (round === 1) faultAt = at;
          const result = await twin.command('rotate-db-password');
          const connectionsEnded = await endAppConnections(await twin.status());
          mark('info', `${connectionsEnded} app connections ended`);
          env.log(`  rotation ${round}: ${String(result.previous)} → ${String(result.current)}; ended ${connectionsEnded} app connections`);
          // Let every instance open new connections under load before looking at who they log in as.
          await sleep(env.options.settleSeconds * 500);
          rounds.push({
            rotation: `${String(result.previous)} → ${String(result.current)}`,
            connectionsEnded,
            loginsAfter: await instanceLogins((await twin.status()).database.writerUrl),
          });
        }
        endAt = mark('recovery', 'both rotations done');
      });
      return {
        ledger: load.ledger,
        marks,
        figures: {},
        notes: [
          'failedRequests should be 0: instances read their login from the secret for every new connection, and the previous user keeps working until the next rotation',
          ...rounds.map(
            (r, i) => `rotation ${i + 1}: ${r.rotation}; ${r.connectionsEnded} connections ended; instance connections on the primary afterwards: ${JSON.stringify(r.loginsAfter)}`,
          ),
        ],
        settings: { rounds: rounds.length },
        faultWindow: { from: faultAt, to: endAt || Date.now() },
      };
    },
  };
}

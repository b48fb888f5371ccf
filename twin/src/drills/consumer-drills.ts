import type { BatchInFlight } from '../functions/event-consumers.js';
import { outboxWatermark, reconcileConsumers } from './consumer-reconciliation.js';
import { requireTwin, type Drill, type DrillRun } from './drill.js';
import { round } from './figures.js';
import { withSteadyLoad } from './steady-load.js';

/** How long the kill waits for a batch in flight: under the shopper load, events arrive every few hundred ms. */
const KILL_WAIT_SECONDS = 30;

const seconds = (from: number, to: number | undefined): number | null => (to === undefined ? null : round((to - from) / 1000));

/**
 * consumer-crash: under the shopper load, the event consumers' process (order notifier and sales
 * feed, one process on the twin) is SIGKILLed while a batch is in flight, as a Lambda execution
 * environment can die mid-invocation. The broker gives back every unacknowledged delivery; the
 * process starts again by itself and handles them. After the load, once the consumers have
 * drained the outbox's events (within --recovery-timeout-seconds), the drill reconciles: no event
 * lost, every order's mail exactly once by Message-ID, the analytics store equal to the order lines.
 */
export function consumerCrashDrill(): Drill {
  return {
    name: 'consumer-crash',
    fault: "SIGKILL the event consumers' process mid-batch under shopper load",
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      const consumers = (await twin.status()).consumers;
      if (!consumers) throw new Error('consumer-crash needs a twin that runs the event consumers (one with a broker)');
      const since = await outboxWatermark(env.sql);
      let faultAt = 0;
      let runningAgainAt: number | undefined;
      let inFlight: BatchInFlight[] = [];
      let killedPid: number | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        faultAt = mark('fault', 'SIGKILL the event consumers');
        const killed = await twin.killConsumers(KILL_WAIT_SECONDS);
        inFlight = killed.inFlight;
        killedPid = killed.pid;
        env.log(`  killed the event consumers (pid ${killedPid ?? 'unknown'}) with ${inFlight.length} batches in flight; waiting for them to run again`);
        runningAgainAt = await watcher.waitFor(
          faultAt,
          env.options.recoveryTimeoutSeconds * 1000,
          (s) => s.consumers !== undefined && s.consumers.running && s.consumers.restarts > consumers.restarts,
        );
        if (runningAgainAt) mark('recovery', 'consumers running again', runningAgainAt);
      });
      // The load has stopped: every event it caused is in the outbox. The consumers drain it.
      const loadEndedAt = Date.now();
      const until = await outboxWatermark(env.sql);
      env.log(`  waiting for the consumers to handle outbox events ${since + 1}–${until}, then reconciling mail and analytics…`);
      const rec = await reconcileConsumers(env.sql, consumers.mailDir, { since, until }, env.options.recoveryTimeoutSeconds * 1000);
      const inFlightEvents = inFlight.reduce((n, b) => n + b.events.length, 0);
      return {
        ledger: load.ledger,
        marks,
        figures: {
          recoverySeconds: seconds(faultAt, runningAgainAt),
          eventsLost: rec.eventsLost,
          notificationsMissing: rec.notificationsMissing,
          duplicateNotifications: rec.duplicateDeliveries,
          analyticsMismatches: rec.analyticsMismatches,
          consumerDrainSeconds: seconds(loadEndedAt, rec.drainedAt),
        },
        notes: [
          `killed pid ${killedPid ?? 'unknown'} with ${inFlight.length} batches in flight (${inFlightEvents} deliveries: ${inFlight.map((b) => `${b.function} [${b.events.join(', ')}]`).join('; ')})`,
          `${rec.events} deliveries to reconcile (outbox events ${since + 1}–${until}, per consumer), ${rec.ordersPlaced} orders placed`,
          'recoverySeconds runs from the SIGKILL until the process consumes its queues again; consumerDrainSeconds from the end of the load until both inboxes hold every event',
          ...rec.notes,
        ],
        settings: { killWaitSeconds: KILL_WAIT_SECONDS, recoveryTimeoutSeconds: env.options.recoveryTimeoutSeconds },
        faultWindow: { from: faultAt, to: runningAgainAt ?? Date.now() },
        violations: [...(inFlight.length ? [] : [`no batch was in flight within ${KILL_WAIT_SECONDS} s of load: the kill did not land mid-batch`]), ...rec.violations],
      };
    },
  };
}

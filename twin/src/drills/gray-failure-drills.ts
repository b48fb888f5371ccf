import { requestTimeouts, targetDetectionSeconds, targetHealthCheck } from '@evermall/topology';
import { requireTwin, type Drill, type DrillRun } from './drill.js';
import { holdFault } from './fault-window.js';
import { loadFigures, round } from './figures.js';
import { withSteadyLoad } from './steady-load.js';
import { healthyInstances } from './twin-watcher.js';
import type { Ledger } from '../load/ledger.js';
import type { TwinStatus } from '../status/status-types.js';

/** What the load balancer's health check alone needs to call an instance dead: interval × unhealthy threshold (the ALB's floor). */
export const DETECTION_SECONDS = targetDetectionSeconds();

const seconds = (from: number, to: number | undefined): number | null => (to === undefined ? null : round((to - from) / 1000));

/** The victim's slot as the load balancer sees it: out of the rotation once it is not UP (DOWN, MAINT, DRAIN) or gone. */
const outOfRotation = (victim: string) => (s: TwinStatus) => {
  const inst = s.instances.find((i) => i.id === victim);
  return !inst || !inst.loadBalancerStatus.startsWith('UP');
};

/**
 * Requests of the fault window, slowest first: what a hung or starved instance cost shoppers.
 * Issue 15's goal: none slower than DETECTION_SECONDS, none failed.
 */
function slowness(ledger: Ledger, from: number, to: number) {
  const during = ledger.entries.filter((e) => e.action !== 'probe' && e.at >= from && e.at < to);
  const slowest = during.reduce((max, e) => Math.max(max, e.latencyMs), 0);
  const overDetection = during.filter((e) => e.latencyMs > DETECTION_SECONDS * 1000).length;
  return { slowestRequestMs: during.length ? Math.round(slowest) : null, overDetection, during: during.length };
}

/** The notes both drills share: the timeouts in force and the goal, with what was seen against it. */
function goalNotes(slow: ReturnType<typeof slowness>, failed: number): string[] {
  return [
    `load balancer timeouts (topology requestTimeouts): reads ${requestTimeouts.readSeconds} s, writes ${requestTimeouts.writeSeconds} s; health-check detection alone ${DETECTION_SECONDS} s (${targetHealthCheck.intervalSeconds} s × ${targetHealthCheck.unhealthyThreshold})`,
    `goal (issue 15): 0 failed requests and none slower than ${DETECTION_SECONDS} s. Seen: ${failed} failed of the run; slowest request in the fault window ${slow.slowestRequestMs ?? '—'} ms; ${slow.overDetection} of ${slow.during} slower than ${DETECTION_SECONDS} s`,
  ];
}

/**
 * hung-instance: one instance is frozen (SIGSTOP) under load. It keeps its connections and answers
 * nothing, so only timeouts tell: the load balancer abandons its requests after topology's read or
 * write timeout, retries the safe and keyed ones on another instance, and the failed requests make
 * it recheck the instance at once, which takes it out of the rotation; the controller then
 * replaces it, as an Auto Scaling group with the ELB health check type does.
 */
export function hungInstanceDrill(): Drill {
  return {
    name: 'hung-instance',
    fault: 'SIGSTOP one instance (alive, connections open, no answers)',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      let faultAt = 0;
      let downAt: number | undefined;
      let replacedAt: number | undefined;
      let victim: string | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        const status = await twin.status();
        const before = healthyInstances(status);
        const known = new Set(status.instances.map((i) => i.id));
        victim = before[0]?.id;
        if (!victim) throw new Error('no healthy instance to hang');
        faultAt = mark('fault', `SIGSTOP ${victim}`);
        await twin.hangInstance(victim);
        env.log(`  froze ${victim}; waiting for the load balancer to take it out and the controller to replace it`);
        downAt = await watcher.waitFor(faultAt, env.options.recoveryTimeoutSeconds * 1000, outOfRotation(victim));
        if (downAt) mark('info', `${victim} out of the load balancer's rotation`, downAt);
        const gone = victim;
        replacedAt = await watcher.waitFor(faultAt, env.options.recoveryTimeoutSeconds * 1000, (s) => {
          const healthy = healthyInstances(s);
          return healthy.length >= before.length && !healthy.some((i) => i.id === gone) && healthy.some((i) => !known.has(i.id));
        });
        if (replacedAt) mark('recovery', 'capacity restored', replacedAt);
        env.log(`  out of rotation after ${seconds(faultAt, downAt) ?? 'n/a'} s, replaced after ${seconds(faultAt, replacedAt) ?? 'n/a'} s`);
      });
      const to = replacedAt ?? Date.now();
      const slow = slowness(load.ledger, faultAt, to);
      return {
        ledger: load.ledger,
        marks,
        figures: { recoverySeconds: seconds(faultAt, replacedAt), detectionSeconds: seconds(faultAt, downAt), slowestRequestMs: slow.slowestRequestMs },
        notes: [
          `froze instance ${victim}; detectionSeconds runs from SIGSTOP until the load balancer had it out of the rotation, recoverySeconds until its replacement served and as many instances were healthy as before`,
          ...goalNotes(slow, loadFigures(load.ledger).failedRequests),
          'requests the load balancer may not replay (writes without an Idempotency-Key) that reached the frozen instance before it was out of the rotation fail with 504 after the write timeout',
        ],
        settings: {
          victim,
          readTimeoutSeconds: requestTimeouts.readSeconds,
          writeTimeoutSeconds: requestTimeouts.writeSeconds,
          recoveryTimeoutSeconds: env.options.recoveryTimeoutSeconds,
        },
        faultWindow: { from: faultAt, to },
      };
    },
  };
}

/**
 * slow-instance: one instance is starved of CPU (its quota cut to a twentieth of a CPU) under
 * load for `slowSeconds`, then given its CPUs back. Requests to it queue; those that outlast the
 * load balancer's timeouts are retried elsewhere and count against it. Its health check may pass
 * now and then, which is what makes a slow host harder than a dead one.
 */
export function slowInstanceDrill(): Drill {
  return {
    name: 'slow-instance',
    fault: 'one instance starved of CPU (0.05 vCPU) for the fault window',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      const slowSeconds = env.options.grayFaultSeconds;
      let faultAt = 0;
      let restoredAt = 0;
      let downAt: number | undefined;
      let victim: string | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        const id = healthyInstances(await twin.status())[0]?.id;
        if (!id) throw new Error('no healthy instance to slow down');
        victim = id;
        const fault = { label: `${id} starved of CPU`, inject: () => twin.slowInstance(id), restoreLabel: 'restore (CPU back)', restore: () => twin.restore() };
        ({ faultAt, restoredAt } = await holdFault(mark, fault, slowSeconds, async (at) => {
          env.log(`  starved ${id} of CPU for ${slowSeconds} s`);
          downAt = await watcher.waitFor(at, slowSeconds * 1000, outOfRotation(id));
          if (downAt) mark('info', `${id} out of the load balancer's rotation`, downAt);
        }));
        const back = await watcher.waitFor(restoredAt, env.options.recoveryTimeoutSeconds * 1000, (s) => healthyInstances(s).length >= 2);
        if (back) mark('recovery', 'fleet healthy', back);
      });
      const slow = slowness(load.ledger, faultAt, restoredAt);
      return {
        ledger: load.ledger,
        marks,
        figures: { detectionSeconds: seconds(faultAt, downAt), slowestRequestMs: slow.slowestRequestMs },
        notes: [
          `starved instance ${victim} for ${slowSeconds} s; detectionSeconds runs from the cut until the load balancer had it out of the rotation (null: it stayed in)`,
          ...goalNotes(slow, loadFigures(load.ledger).failedRequests),
        ],
        settings: { victim, slowSeconds, readTimeoutSeconds: requestTimeouts.readSeconds, writeTimeoutSeconds: requestTimeouts.writeSeconds },
        faultWindow: { from: faultAt, to: restoredAt },
      };
    },
  };
}

/**
 * replica-down: the read replica dies under load and stays down for the fault window. Catalog and
 * other replica reads must go to the writer without a failed request; restore brings the replica
 * back and reads return to it.
 */
export function replicaDownDrill(): Drill {
  return {
    name: 'replica-down',
    fault: 'SIGKILL the read replica for the fault window',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      const faultSeconds = env.options.grayFaultSeconds;
      let faultAt = 0;
      let restoredAt = 0;
      let backAt: number | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        const fault = { label: 'fail-db-replica', inject: () => twin.command('fail-db-replica'), restoreLabel: 'restore', restore: () => twin.restore() };
        env.log(`  the read replica goes down for ${faultSeconds} s`);
        ({ faultAt, restoredAt } = await holdFault(mark, fault, faultSeconds));
        backAt = await watcher.waitFor(restoredAt, env.options.recoveryTimeoutSeconds * 1000, (s) =>
          s.database.nodes.some((n) => n.role === 'replica' && n.running && !n.state.includes('→')),
        );
        if (backAt) mark('recovery', 'replica streaming again', backAt);
      });
      const during = loadFigures(load.ledger, { from: faultAt, to: restoredAt });
      return {
        ledger: load.ledger,
        marks,
        figures: { recoverySeconds: seconds(restoredAt, backAt) },
        notes: [
          `the replica was down ${faultSeconds} s; ${during.readErrors ?? 0} reads failed in that window (goal 0: reads fall back to the writer)`,
          'recoverySeconds runs from restore until the replica reported streaming again (no pending state change in the monitor)',
        ],
        settings: { faultSeconds },
        faultWindow: { from: faultAt, to: restoredAt },
      };
    },
  };
}

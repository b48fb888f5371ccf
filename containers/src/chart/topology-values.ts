import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { fileURLToPath } from 'node:url';
import { autoScaling, databasePort, deregistrationDelaySeconds, drainSeconds, shutdownBoundSeconds, targetHealthCheck, zones } from '@evermall/topology';
import { databaseRoles, serviceEnvironment } from '@evermall/shop/release';
import { cliCommand, imageCommand, imageDirectories, imagePort, imageUser } from '../layout.js';

/** The chart, and the file its templates read topology's values from (`.Files.Get "topology.json"`). */
export const chartDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'chart', 'evermall-shop');
export const topologyValuesFile = path.join(chartDir, 'topology.json');

/**
 * How long the kubelet waits past the shop's own bound before SIGKILL: the margin systemd's
 * TimeoutStopSec leaves on an EC2 instance (infra user-data.ts, stopTimeoutSeconds).
 */
const killMarginSeconds = 15;

/**
 * Topology's values as the chart uses them. Kubernetes has its own words for the same things:
 *
 * - The readiness probe is the ALB's target check (path, period, timeout, thresholds), so a pod is
 *   taken out of the Service exactly when the ALB would take the instance out.
 * - The liveness probe restarts a pod whose check fails as often (the ASG replaces an unhealthy
 *   instance); a startup probe gives it the Auto Scaling group's grace period first.
 * - The drain: on EC2 the shop keeps answering for `drainSeconds` after SIGTERM while /healthz says
 *   draining. In a pod the deletion itself takes the pod out of the endpoints and the AWS Load
 *   Balancer Controller deregisters it, so the same `drainSeconds` is a preStop pause during which
 *   the shop still serves; SIGTERM follows, with DRAIN_SECONDS=0 and the rest of the shop's bound
 *   to finish in-flight requests. terminationGracePeriodSeconds counts from the preStop hook.
 * - The HPA is the Auto Scaling group: the same bounds and CPU target, scale-in cooldown as the
 *   scale-down stabilization window; the PodDisruptionBudget keeps the share an instance refresh
 *   keeps healthy.
 */
export function topologyValues() {
  const { entrypoint, cmd } = imageCommand();
  const environment = serviceEnvironment({
    zone: 'per-pod',
    instanceId: 'per-pod',
    host: '0.0.0.0',
    port: imagePort,
    directories: imageDirectories,
    cookieSecure: true,
    allowedOrigins: 'per-release',
    proxies: { nearestAddresses: 'per-release', hops: 0 },
    drainSeconds: 0,
  });
  // Per pod or per release: the templates set them from the downward API and the values.
  for (const name of ['ZONE', 'INSTANCE_ID', 'ALLOWED_ORIGINS', 'TRUSTED_PROXIES', 'TRUSTED_PROXY_HOPS']) delete environment[name];
  environment.SHUTDOWN_TIMEOUT_SECONDS = String(shutdownBoundSeconds - drainSeconds);
  return {
    port: imagePort,
    user: { uid: imageUser.uid, gid: imageUser.gid },
    directories: imageDirectories,
    command: { entrypoint, cmd, migrate: cliCommand('migrate') },
    databasePort,
    databaseRoles,
    environment,
    healthCheck: {
      path: targetHealthCheck.path,
      periodSeconds: targetHealthCheck.intervalSeconds,
      timeoutSeconds: targetHealthCheck.timeoutSeconds,
      successThreshold: targetHealthCheck.healthyThreshold,
      failureThreshold: targetHealthCheck.unhealthyThreshold,
      startupFailureThreshold: Math.ceil(autoScaling.healthCheckGracePeriodSeconds / targetHealthCheck.intervalSeconds),
    },
    drainSeconds,
    terminationGracePeriodSeconds: shutdownBoundSeconds + killMarginSeconds,
    deregistrationDelaySeconds,
    autoscaling: {
      minReplicas: autoScaling.minCapacity,
      maxReplicas: autoScaling.maxCapacity,
      cpuTargetPercent: autoScaling.cpuTargetPercent,
      scaleDownStabilizationSeconds: autoScaling.scaleInCooldownSeconds,
    },
    minAvailablePercent: autoScaling.minHealthyPercentage,
    zones: zones.length,
  };
}

export type TopologyValues = ReturnType<typeof topologyValues>;

/** topology.json's text, formatted as the repository's Prettier formats it (so `format:check` passes). */
export async function renderTopologyValues(): Promise<string> {
  const json = JSON.stringify({ $comment: 'Generated from topology/ by `npm run chart -w containers -- values`; do not edit.', ...topologyValues() });
  return format(json, { ...(await resolveConfig(topologyValuesFile)), parser: 'json' });
}

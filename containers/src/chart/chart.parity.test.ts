import { autoScaling, deregistrationDelaySeconds, drainSeconds, parityValues, shutdownBoundSeconds, targetHealthCheck, zones } from '@evermall/topology';
import { afterAll, describe, expect, it } from 'vitest';
import { renderChart, type Manifest } from './helm.js';
import { certificateBundle, valuesFile } from './render-fixture.js';

/**
 * The chart against topology/, as twin/test/parity.test.ts holds HAProxy and infra's tests hold the
 * ALB: the rendered manifests, not topology.json, so a template that ignored it would fail here.
 */
const bundle = certificateBundle();
afterAll(() => bundle.remove());
const manifests = renderChart({ release: 'evermall-shop', valueFiles: [valuesFile('production')], setFiles: { 'database.caBundle': bundle.file } });
const one = (kind: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

interface Probe {
  httpGet: { path: string; port: string };
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold?: number;
  failureThreshold: number;
}
interface ShopContainer {
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe: Probe;
  lifecycle: { preStop: { exec: { command: string[] } } };
  env: { name: string; value?: string }[];
}
const pod = (
  one('Deployment').spec as {
    template: { spec: { terminationGracePeriodSeconds: number; containers: ShopContainer[]; topologySpreadConstraints: { topologyKey: string; minDomains?: number }[] } };
  }
).template.spec;
const shop = pod.containers[0]!;
const env = (name: string) => Number(shop.env.find((e) => e.name === name)?.value);

describe('parity of the chart with topology/', () => {
  it('the readiness probe is the ALB target check', () => {
    expect(shop.readinessProbe).toEqual({
      httpGet: { path: parityValues().healthCheckPath, port: 'http' },
      periodSeconds: targetHealthCheck.intervalSeconds,
      timeoutSeconds: targetHealthCheck.timeoutSeconds,
      successThreshold: targetHealthCheck.healthyThreshold,
      failureThreshold: targetHealthCheck.unhealthyThreshold,
    });
  });

  it('liveness fails as the check does, after the Auto Scaling group’s grace period', () => {
    expect(shop.livenessProbe).toMatchObject({
      httpGet: { path: targetHealthCheck.path },
      periodSeconds: targetHealthCheck.intervalSeconds,
      failureThreshold: targetHealthCheck.unhealthyThreshold,
    });
    expect(shop.startupProbe.periodSeconds * shop.startupProbe.failureThreshold).toBeGreaterThanOrEqual(autoScaling.healthCheckGracePeriodSeconds);
  });

  it('drains for drainSeconds before the shop is stopped, and the kubelet waits past the shop’s bound', () => {
    expect(shop.lifecycle.preStop.exec.command).toEqual(['/bin/sleep', String(drainSeconds)]);
    // The drain happens once: in the preStop pause, not again after SIGTERM.
    expect(env('DRAIN_SECONDS')).toBe(0);
    expect(drainSeconds + env('SHUTDOWN_TIMEOUT_SECONDS')).toBe(shutdownBoundSeconds);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(shutdownBoundSeconds);
  });

  it('the HPA is the Auto Scaling group: bounds, CPU target, scale-in cooldown', () => {
    expect(one('HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas: autoScaling.minCapacity,
      maxReplicas: autoScaling.maxCapacity,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoScaling.cpuTargetPercent } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: autoScaling.scaleInCooldownSeconds } },
    });
    expect(one('PodDisruptionBudget').spec).toMatchObject({ minAvailable: `${autoScaling.minHealthyPercentage}%` });
  });

  it('the ALB the controller makes checks pods as the EC2 target group checks instances', () => {
    const a = one('Ingress').metadata.annotations!;
    expect(a['alb.ingress.kubernetes.io/healthcheck-path']).toBe(targetHealthCheck.path);
    expect(Number(a['alb.ingress.kubernetes.io/healthcheck-interval-seconds'])).toBe(targetHealthCheck.intervalSeconds);
    expect(Number(a['alb.ingress.kubernetes.io/healthcheck-timeout-seconds'])).toBe(targetHealthCheck.timeoutSeconds);
    expect(Number(a['alb.ingress.kubernetes.io/healthy-threshold-count'])).toBe(targetHealthCheck.healthyThreshold);
    expect(Number(a['alb.ingress.kubernetes.io/unhealthy-threshold-count'])).toBe(targetHealthCheck.unhealthyThreshold);
    expect(a['alb.ingress.kubernetes.io/target-group-attributes']).toBe(`deregistration_delay.timeout_seconds=${deregistrationDelaySeconds}`);
    expect(a['alb.ingress.kubernetes.io/target-type']).toBe('ip');
  });

  it('spreads the pods over every zone of topology', () => {
    expect(pod.topologySpreadConstraints.find((c) => c.topologyKey === 'topology.kubernetes.io/zone')).toMatchObject({ minDomains: zones.length });
  });
});

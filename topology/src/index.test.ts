import { describe, expect, it } from 'vitest';
import { architectureDiagram, autoScaling, databaseFailover, drainSeconds, parityValues, shutdownBoundSeconds, targetHealthCheck } from './index.js';

describe('topology', () => {
  it('keeps the ALB health check inside what AWS accepts', () => {
    expect(targetHealthCheck.intervalSeconds).toBeGreaterThanOrEqual(5);
    expect(targetHealthCheck.unhealthyThreshold).toBeGreaterThanOrEqual(2);
    expect(targetHealthCheck.timeoutSeconds).toBeLessThan(targetHealthCheck.intervalSeconds);
  });

  it('keeps scaling bounds ordered and spreadable over two zones', () => {
    expect(autoScaling.minCapacity).toBeLessThanOrEqual(autoScaling.desiredCapacity);
    expect(autoScaling.desiredCapacity).toBeLessThanOrEqual(autoScaling.maxCapacity);
    expect(autoScaling.minCapacity % 2).toBe(0);
  });

  it('never lets a partitioned primary outlive its demotion', () => {
    expect(databaseFailover.primaryDemoteTimeoutMs).toBeGreaterThanOrEqual(databaseFailover.networkPartitionTimeoutSeconds * 1000);
  });

  it('drains long enough for the load balancer to notice, within the shutdown bound', () => {
    expect(drainSeconds).toBe(targetHealthCheck.intervalSeconds * targetHealthCheck.unhealthyThreshold);
    expect(shutdownBoundSeconds).toBeGreaterThan(drainSeconds);
  });

  it('exports parity values and a diagram', () => {
    expect(parityValues()['healthCheckPath']).toBe('/healthz');
    expect(architectureDiagram()).toContain('flowchart');
  });
});

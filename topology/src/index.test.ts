import { describe, expect, it } from 'vitest';
import {
  architectureDiagram,
  autoScaling,
  cache,
  databaseClient,
  databaseFailover,
  drainSeconds,
  eventConsumers,
  parityValues,
  requestTimeouts,
  shutdownBoundSeconds,
  targetDetectionSeconds,
  targetHealthCheck,
} from './index.js';

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

  it('ends a request caught by a hung instance, retry included, before the health check would even notice it', () => {
    const detectionSeconds = targetDetectionSeconds();
    expect(requestTimeouts.readSeconds).toBeLessThan(requestTimeouts.writeSeconds);
    expect(requestTimeouts.writeSeconds).toBeLessThan(detectionSeconds);
    // A read waits longer than an instance's health check is given to answer: a busy but healthy instance is not abandoned.
    expect(requestTimeouts.readSeconds).toBeGreaterThan(targetHealthCheck.timeoutSeconds);
  });

  it('takes a silent database connection for gone before a read caught on it is abandoned by the load balancer', () => {
    // A query on a hung or partitioned server fails after the quiet time and one probe, so the
    // request is retried inside the instance while the load balancer still waits for it.
    expect(databaseClient.quietSeconds * 1000 + databaseClient.probeTimeoutMs).toBeLessThan(requestTimeouts.readSeconds * 1000);
    expect(databaseClient.connectTimeoutSeconds).toBeLessThan(requestTimeouts.writeSeconds);
    expect(databaseClient.probeTimeoutMs).toBeGreaterThan(0);
  });

  it('keeps a cache replica for failover, and a cache that hangs costs a request less than the load balancer waits for it', () => {
    expect(cache.replicas).toBeGreaterThanOrEqual(1);
    // A request that meets a dead cache (one connection that never opens, one command that never
    // answers) and then reads PostgreSQL still answers sooner than the load balancer gives a target
    // to answer its health check.
    expect(cache.connectTimeoutMs + cache.commandTimeoutMs).toBeLessThan(targetHealthCheck.timeoutSeconds * 1000);
    expect(cache.commandTimeoutMs).toBeLessThan(cache.connectTimeoutMs);
    expect(cache.retryDelayMs).toBeGreaterThan(0);
    expect(parityValues()['cacheReplicas']).toBe(cache.replicas);
  });

  it('gives a cache failover time to finish before another is tried, and the endpoint a check per failover step', () => {
    expect(cache.failover.failoverTimeoutMs).toBeGreaterThan(cache.failover.downAfterMs);
    // The endpoint notices a promoted replica sooner than Sentinel notices a dead primary.
    expect(cache.endpointCheck.intervalMs * cache.endpointCheck.rise).toBeLessThan(cache.failover.downAfterMs);
    expect(cache.endpointCheck.fall).toBeGreaterThanOrEqual(1);
  });

  it('runs the event consumers within what Lambda takes from a FIFO queue, never handing a batch under way to another invocation', () => {
    // A FIFO queue's event source takes at most 10 records, and at least 2 invocations at once.
    expect(eventConsumers.batchSize).toBeGreaterThanOrEqual(1);
    expect(eventConsumers.batchSize).toBeLessThanOrEqual(10);
    expect(eventConsumers.concurrency).toBeGreaterThanOrEqual(2);
    expect(eventConsumers.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * eventConsumers.timeoutSeconds);
    // A record waiting on another delivery's row lock fails well before its batch times out.
    expect(eventConsumers.lockTimeoutMs).toBeLessThan(eventConsumers.timeoutSeconds * 1000);
    expect(eventConsumers.twinGatherMs).toBeLessThan(eventConsumers.timeoutSeconds * 1000);
  });

  it('exports parity values and a diagram', () => {
    expect(parityValues()['healthCheckPath']).toBe('/healthz');
    expect(architectureDiagram()).toContain('flowchart');
  });
});

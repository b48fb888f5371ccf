import { requestTimeouts, targetHealthCheck } from '@evermall/topology';
import { describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../src/index.js';
import { controllerTimings } from '../src/scaling/controller-timings.js';
import { autoScaling, deregistrationDelaySeconds, parityValues } from '@evermall/topology';

describe('parity with topology/', () => {
  const config = renderHaproxyConfig({ listenPort: 1, statsPort: 2, adminSocket: '/tmp/x.sock', trafficLogPort: 3 });

  it('the HAProxy target check carries the health-check path, interval and thresholds', () => {
    expect(config).toContain(`http-check send meth GET uri ${parityValues().healthCheckPath}`);
    expect(config).toContain(`inter ${targetHealthCheck.intervalSeconds}s rise ${targetHealthCheck.healthyThreshold} fall ${targetHealthCheck.unhealthyThreshold}`);
    expect(config).toContain(`timeout check ${targetHealthCheck.timeoutSeconds}s`);
    expect(config).toMatch(/observe layer4 error-limit 1 on-error mark-down/);
  });

  it("HAProxy gives up on an instance's answer after topology's read and write timeouts", () => {
    expect(config).toContain(`timeout server ${requestTimeouts.readSeconds}s`);
    expect(config).toContain(`timeout queue ${requestTimeouts.readSeconds}s`);
    expect(config).toContain(`http-request set-timeout server ${requestTimeouts.writeSeconds}s if !METH_GET !METH_HEAD !METH_OPTIONS`);
  });

  it('HAProxy retries only what is safe to replay and redispatches', () => {
    expect(config).toContain('option redispatch 1');
    expect(config).toContain('retry-on all-retryable-errors');
    expect(config).toContain('http-request disable-l7-retry if !METH_GET !METH_OPTIONS !{ req.hdr(idempotency-key) -m found }');
  });

  it('the front door routes /api and /media to the ALB and fails over by taking the origin out', () => {
    const withFrontDoor = renderHaproxyConfig({ listenPort: 1, statsPort: 2, adminSocket: '/tmp/x.sock', trafficLogPort: 3, frontDoor: { port: 4, bucketsPort: 5 } });
    expect(withFrontDoor).toContain('acl to_origin path_beg /api/ /media/');
    expect(withFrontDoor).toContain('use_backend alb_origin if to_origin { nbsrv(alb_origin) gt 0 }');
    expect(withFrontDoor).toContain('server alb 127.0.0.1:1');
  });

  it('the front door and the ALB each append one X-Forwarded-For entry, as CloudFront and the ALB do (the shop trusts two hops)', () => {
    const withFrontDoor = renderHaproxyConfig({ listenPort: 1, statsPort: 2, adminSocket: '/tmp/x.sock', trafficLogPort: 3, frontDoor: { port: 4, bucketsPort: 5 } });
    expect(withFrontDoor.match(/^\s*option forwardfor$/gm)).toHaveLength(2);
  });

  // pg_auto_failover's settings are held to topology on a live monitor and nodes (twin.test.ts,
  // "carries topology's pg_auto_failover settings"), not restated here.

  it('the controller defaults are the Auto Scaling group of topology', () => {
    const t = controllerTimings();
    expect(t).toMatchObject({
      minCapacity: autoScaling.minCapacity,
      maxCapacity: autoScaling.maxCapacity,
      desiredCapacity: autoScaling.desiredCapacity,
      cpuTargetPercent: autoScaling.cpuTargetPercent,
      instanceWarmupSeconds: autoScaling.instanceWarmupSeconds,
      scaleInCooldownSeconds: autoScaling.scaleInCooldownSeconds,
      deregistrationDelaySeconds,
    });
  });

  // The twin has one pool state, Stopped (ShopInstance.stopWarm freezes the process); parityValues' warmPoolState is held to it by the type of topology's warmPool.
  it("the controller's warm pool is topology's", () => {
    const { warmPool } = controllerTimings();
    const values = parityValues();
    expect({ warmPoolMinSize: warmPool.minSize, warmPoolMaxGroupPreparedCapacity: warmPool.maxGroupPreparedCapacity }).toEqual({
      warmPoolMinSize: values.warmPoolMinSize,
      warmPoolMaxGroupPreparedCapacity: values.warmPoolMaxGroupPreparedCapacity,
    });
    expect(values.warmPoolState).toBe('Stopped');
  });
});

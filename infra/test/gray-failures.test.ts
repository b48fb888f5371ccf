import { beforeAll, describe, expect, it } from 'vitest';
import { only, synthesize, template, type Synthesized } from './support/synthesized.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize('example');
});

describe('gray failures at the load balancer (issue 15)', () => {
  it('routes by weighted random with anomaly mitigation, so a target failing more requests than its peers gets less traffic before its health check fails', () => {
    const tg = only(template(s, 'app'), 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(tg.Properties.TargetGroupAttributes).toEqual(
      expect.arrayContaining([
        { Key: 'load_balancing.algorithm.type', Value: 'weighted_random' },
        { Key: 'load_balancing.algorithm.anomaly_mitigation', Value: 'on' },
      ]),
    );
  });
});

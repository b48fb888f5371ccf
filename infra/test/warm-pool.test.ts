import { autoScaling, warmPool } from '@evermall/topology';
import { beforeAll, describe, expect, it } from 'vitest';
import { flashSaleLeadMinutes } from '../lib/constructs/app-fleet.js';
import { instancePaths, launchReadyUnit, targetStateCommand } from '../lib/constructs/user-data.js';
import { exampleDomain } from '../lib/configurations.js';
import { parseParameters, ParameterError } from '../lib/parameters.js';
import { cfnLint, cfnLintAvailable, only, renderText, resourcesOf, synthesize, template, type Synthesized } from './support/synthesized.js';

const sale = { start: '2026-12-11T00:00:00Z', end: '2026-12-11T03:00:00Z' };

let plain: Synthesized;
let withSale: Synthesized;
beforeAll(() => {
  plain = synthesize('example');
  withSale = synthesize('example', { flashSale: `${sale.start}/${sale.end}` });
});

describe('warm pool (issue 15)', () => {
  it("keeps topology's stopped, pre-initialized instances beside the group, and takes scaled-in ones back", () => {
    const app = template(plain, 'app');
    const pool = only(app, 'AWS::AutoScaling::WarmPool').Properties;
    const group = only(app, 'AWS::AutoScaling::AutoScalingGroup');
    expect(pool).toEqual({
      AutoScalingGroupName: { Ref: group.id },
      MinSize: warmPool.minSize,
      MaxGroupPreparedCapacity: warmPool.maxGroupPreparedCapacity,
      PoolState: 'Stopped',
      InstanceReusePolicy: { ReuseOnScaleIn: true },
    });
    // The pool is prepared for more than the group runs at its minimum, and never for more than its max.
    expect(warmPool.maxGroupPreparedCapacity).toBeGreaterThan(autoScaling.desiredCapacity);
    expect(warmPool.maxGroupPreparedCapacity).toBeLessThanOrEqual(autoScaling.maxCapacity);
    expect(plain.nagFindings).toEqual([]);
  });

  describe('user data of an instance that may boot into the pool', () => {
    let text = '';
    beforeAll(() => {
      text = renderText(only(template(plain, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    });

    it('reads where Auto Scaling is taking it from instance metadata', () => {
      expect(text).toContain('latest/meta-data/autoscaling/target-lifecycle-state');
      expect(text).toContain(`TARGET_STATE=$(${targetStateCommand})`);
    });

    it('exports the backup site only on an instance going into service, decided at every start of the shop', () => {
      expect(text).not.toMatch(/^Environment=BACKUP_SITE_DIR=/m);
      const envStep = /cat > \/usr\/local\/bin\/evermall-write-env <<'ENVSCRIPT'\n([\s\S]*?)\nENVSCRIPT/.exec(text)?.[1] ?? '';
      expect(envStep).toContain(`if [ "$(${targetStateCommand})" = InService ]; then echo "BACKUP_SITE_DIR=${instancePaths.backupSite}" >> ${instancePaths.env}; fi`);
      expect(text).toContain('ExecStartPre=+/usr/local/bin/evermall-write-env');
    });

    it('completes the launch hook at the first boot and, through a unit, at every later one (leaving the pool)', () => {
      expect(text).toContain(`cat > /etc/systemd/system/${launchReadyUnit} <<UNIT`);
      expect(text).toContain(`systemctl enable ${launchReadyUnit}\n`);
      expect(text).toMatch(/After=network-online.target evermall-shop.service\n/);
      expect(text).toContain('complete-lifecycle-action');
      expect(text).toContain('if /usr/local/bin/evermall-launch-ready; then');
    });

    it('signals CloudFormation only from an instance going into service', () => {
      expect(text).toContain('if [ "$TARGET_STATE" = InService ]; then signal 0; fi');
      expect(text).not.toMatch(/complete_launch CONTINUE; signal 0/);
    });
  });
});

describe('scheduled scaling for a planned flash sale', () => {
  it('schedules nothing without the parameter', () => {
    expect(resourcesOf(template(plain, 'app'), 'AWS::AutoScaling::ScheduledAction')).toEqual([]);
  });

  it('raises min and desired before the sale and lowers min when it ends', () => {
    const app = template(withSale, 'app');
    const group = only(app, 'AWS::AutoScaling::AutoScalingGroup');
    const actions = resourcesOf(app, 'AWS::AutoScaling::ScheduledAction')
      .map((a) => a.Properties)
      .sort((a, b) => String(a.StartTime).localeCompare(String(b.StartTime)));
    const raiseAt = new Date(Date.parse(sale.start) - flashSaleLeadMinutes * 60_000).toISOString().replace(/\.000Z$/, 'Z');
    expect(actions).toEqual([
      { AutoScalingGroupName: { Ref: group.id }, StartTime: raiseAt, MinSize: warmPool.maxGroupPreparedCapacity, DesiredCapacity: warmPool.maxGroupPreparedCapacity },
      { AutoScalingGroupName: { Ref: group.id }, StartTime: sale.end, MinSize: autoScaling.minCapacity },
    ]);
    expect(withSale.nagFindings).toEqual([]);
  });

  // Skipped, and named so in the report, where cfn-lint is not installed (pip install cfn-lint).
  it.skipIf(!cfnLintAvailable)('passes cfn-lint with the scheduled actions (skipped without cfn-lint)', () => {
    const result = cfnLint(withSale.outdir);
    expect(result.errors, result.output).toEqual([]);
  });

  it('refuses a sale that ends before it starts, a date that does not exist, a capacity past max, or one on EKS', () => {
    expect(() => parseParameters({ flashSale: `${sale.end}/${sale.start}` })).toThrow(/end after it starts/);
    expect(() => parseParameters({ flashSale: '2026-02-30T00:00:00Z/2026-03-01T00:00:00Z' })).toThrow(ParameterError);
    expect(() => parseParameters({ flashSale: `${sale.start}/${sale.end}`, flashSaleCapacity: String(autoScaling.maxCapacity + 1) })).toThrow(/flashSaleCapacity/);
    expect(() => parseParameters({ flashSale: '2026-12-11/2026-12-12' })).toThrow(/flashSale/);
    expect(() =>
      parseParameters({
        ...exampleDomain,
        compute: 'eks',
        shopImageTag: '0.1.0',
        rdsCaBundleFile: 'test/fixtures/rds-ca-bundle.example.pem',
        flashSale: `${sale.start}/${sale.end}`,
      }),
    ).toThrow(/compute=ec2/);
    expect(parseParameters({ flashSale: `${sale.start}/${sale.end}`, flashSaleCapacity: '5' }).flashSale).toEqual({ ...sale, capacity: 5 });
  });
});

import { Fn, type CfnCondition } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import { autoScaling } from '@evermall/topology';
import type { AppFleet } from './app-fleet.js';

/**
 * Holds the recovery region's fleet at zero until the promotion (stack parameter Serving, condition
 * `serving`), then gives it topology's minimum and warm pool, as in the primary region.
 *
 * Zero, not a warm pool: a warmed instance runs the whole bootstrap once, which checks the schema
 * against the database its login names; before the promotion that login (a Secrets Manager
 * replica) still names the primary region's database, out of reach of this region's network, so
 * every warmed instance would fail its launch hook and be replaced, over and over. The promotion
 * first points the login at the promoted replica, then sets Serving, and the instances boot from
 * the baked image (infra/README.md, "Disaster recovery", for what that costs the RTO).
 *
 * - MinSize: topology's minimum when serving, 0 otherwise (the desired capacity is never in the
 *   template, as in AppFleet, so a deploy never resets a scaled-out fleet).
 * - The warm pool exists only when serving.
 * - No creation policy: the group is created with no instance to signal.
 */
export function holdInStandby(fleet: AppFleet, serving: CfnCondition): void {
  const group = fleet.group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
  group.minSize = Fn.conditionIf(serving.logicalId, String(autoScaling.minCapacity), '0').toString();
  group.cfnOptions.creationPolicy = undefined;
  const warmPool = fleet.group.node.children.find((c) => c instanceof autoscaling.WarmPool);
  if (!warmPool) throw new Error(`${fleet.node.path} has no warm pool to hold back`);
  (warmPool.node.defaultChild as autoscaling.CfnWarmPool).cfnOptions.condition = serving;
}

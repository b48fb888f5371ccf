import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { OriginVerify } from '../lib/constructs/origin-verify.js';
import { appFor } from '../lib/configurations.js';
import { renderText } from './support/synthesized.js';

function values(rotating: boolean): { alb: string[]; cloudFront: string } {
  const stack = new Stack(appFor({}), 'Test', { env: { region: 'ap-northeast-2' } });
  const verify = new OriginVerify(stack, 'OriginVerify', { rotating });
  return {
    alb: verify.albValues().map((v) => renderText(stack.resolve(v))),
    cloudFront: renderText(stack.resolve(OriginVerify.cloudFrontValue(verify.secret, rotating))),
  };
}

// The rotation in infra/README.md relies on the reference text changing between the two modes:
// CloudFormation resolves a dynamic reference again only when the resource changes.
describe('CloudFront origin secret', () => {
  it('is the current secret value on both sides outside a rotation', () => {
    const { alb, cloudFront } = values(false);
    expect(alb).toEqual([expect.stringMatching(/^\{\{resolve:secretsmanager:\$\{Ref:"OriginVerifySecret[0-9A-F]+"\}:SecretString:::\}\}$/)]);
    expect(cloudFront).toBe(alb[0]);
  });

  it('during a rotation, the ALB accepts the current and the previous value while CloudFront sends the current one, each by a new reference', () => {
    const rotating = values(true);
    const normal = values(false);
    expect(rotating.alb).toEqual([expect.stringMatching(/:SecretString::AWSCURRENT:\}\}$/), expect.stringMatching(/:SecretString::AWSPREVIOUS:\}\}$/)]);
    expect(rotating.cloudFront).toMatch(/:SecretString::AWSCURRENT:\}\}$/);
    expect(rotating.cloudFront).not.toBe(normal.cloudFront);
  });
});

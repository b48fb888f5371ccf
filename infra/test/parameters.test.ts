import { describe, expect, it } from 'vitest';
import { exampleDomain } from '../lib/configurations.js';
import { cache } from '@evermall/topology';
import { ParameterError, parseParameters, profiles } from '../lib/parameters.js';

describe('parameters', () => {
  it('defaults to the production profile in ap-northeast-2 with no domain', () => {
    const p = parseParameters({});
    expect(p.profile).toBe('production');
    expect(p.region).toBe('ap-northeast-2');
    expect(p.domain).toBeUndefined();
    expect(p.settings).toEqual(profiles.production);
  });

  it('small: one NAT gateway, smaller classes and no read replica', () => {
    const p = parseParameters({ profile: 'small' });
    expect(p.settings.natGateways).toBe(1);
    expect(p.settings.readReplica).toBe(false);
    expect(profiles.production.natGateways).toBe(2);
    expect(profiles.production.readReplica).toBe(true);
  });

  it('converts strings from `cdk -c` into typed values', () => {
    const p = parseParameters({ iamDatabaseAuth: 'true', secretRotationDays: '14' });
    expect(p.iamDatabaseAuth).toBe(true);
    expect(p.secretRotationDays).toBe(14);
  });

  it('protects by default and reads a first deploy from `-c deletionProtection=false -c bootMigrates=true`', () => {
    expect(parseParameters({})).toMatchObject({ deletionProtection: true, bootMigrates: false });
    expect(parseParameters({ deletionProtection: 'false', bootMigrates: 'true' })).toMatchObject({ deletionProtection: false, bootMigrates: true });
    expect(() => parseParameters({ deletionProtection: 'maybe' })).toThrow(/Invalid parameter deletionProtection/);
  });

  it('derives the api. and www. names from the domain', () => {
    const p = parseParameters({ ...exampleDomain });
    expect(p.domain).toMatchObject({ domainName: 'shop.example.com', apiDomainName: 'api.shop.example.com', spaDomainName: 'www.shop.example.com' });
  });

  it('names the bad parameter', () => {
    expect(() => parseParameters({ profile: 'huge' })).toThrow(/Invalid parameter profile/);
    expect(() => parseParameters({ cloudFrontCertificateArn: exampleDomain.albCertificateArn, ...{ domainName: 'shop.example.com' } })).toThrow(ParameterError);
  });

  it('sizes the cache from the profile and topology unless cacheNodeType and cacheReplicas say otherwise', () => {
    expect(parseParameters({ profile: 'small' })).toMatchObject({ settings: { cacheNodeType: 'cache.t4g.small' }, cacheReplicas: cache.replicas });
    const p = parseParameters({ profile: 'small', cacheNodeType: 'cache.r7g.large', cacheReplicas: '3' });
    expect(p.settings).toEqual({ ...profiles.small, cacheNodeType: 'cache.r7g.large' });
    expect(p.cacheReplicas).toBe(3);
    // Automatic failover needs a replica; ElastiCache allows five.
    for (const replicas of ['0', '6', 'two']) expect(() => parseParameters({ cacheReplicas: replicas })).toThrow(/Invalid parameter cacheReplicas/);
    expect(() => parseParameters({ cacheNodeType: 't4g.small' })).toThrow(/Invalid parameter cacheNodeType/);
  });

  it('refuses half a domain configuration', () => {
    expect(() => parseParameters({ domainName: 'shop.example.com' })).toThrow(/missing hostedZoneId, albCertificateArn, cloudFrontCertificateArn/);
  });

  it('refuses a CloudFront certificate outside us-east-1', () => {
    expect(() => parseParameters({ ...exampleDomain, cloudFrontCertificateArn: exampleDomain.albCertificateArn })).toThrow(/cloudFrontCertificateArn/);
  });

  it('refuses a domain outside its hosted zone', () => {
    expect(() => parseParameters({ ...exampleDomain, hostedZoneName: 'example.org' })).toThrow(/hostedZoneName/);
  });
});

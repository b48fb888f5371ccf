import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cache } from '@evermall/topology';
import { describe, expect, it } from 'vitest';
import { cacheSettings } from '../config/twin-settings.js';
import { renderNodeConfig, renderSentinelConfig } from './cache-config.js';
import { renderCacheEndpointConfig } from './cache-endpoint-config.js';

describe('cache tier configs', () => {
  it('gives the Sentinels the failover timings of topology and a quorum of two', () => {
    const text = renderSentinelConfig({ port: 26380, dir: '/tmp/s1', password: 'pw', primaryPort: 6381 });
    expect(text).toContain(`sentinel monitor ${cacheSettings.masterName} 127.0.0.1 6381 ${cacheSettings.quorum}`);
    expect(text).toContain(`sentinel down-after-milliseconds ${cacheSettings.masterName} ${cache.failover.downAfterMs}`);
    expect(text).toContain(`sentinel failover-timeout ${cacheSettings.masterName} ${cache.failover.failoverTimeoutMs}`);
    expect(cacheSettings.quorum).toBeGreaterThan(cacheSettings.sentinels / 2);
  });

  it('makes only the replica follow the primary, both with the password', () => {
    const primary = renderNodeConfig({ port: 6381, dir: '/tmp/a', password: 'pw' });
    const replica = renderNodeConfig({ port: 6382, dir: '/tmp/b', password: 'pw', replicaOf: 6381 });
    expect(primary).not.toContain('replicaof');
    expect(replica).toContain('replicaof 127.0.0.1 6381');
    for (const text of [primary, replica]) expect(text).toMatch(/requirepass pw\nmasterauth pw/);
  });

  it('renders an endpoint HAProxy accepts, sending connections only to the node that says role:master', () => {
    const text = renderCacheEndpointConfig({
      listenPort: 6380,
      adminSocket: '/tmp/admin.sock',
      password: 'pw',
      nodes: [
        { name: 'a', port: 6381 },
        { name: 'b', port: 6382 },
      ],
    });
    const { intervalMs, fall, rise } = cache.endpointCheck;
    expect(text).toContain(`default-server inter ${intervalMs}ms fall ${fall} rise ${rise}`);
    expect(text).toContain('tcp-check expect string role:master');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-cache-endpoint-'));
    try {
      const file = path.join(dir, 'haproxy.cfg');
      writeFileSync(file, text);
      expect(() => execFileSync('haproxy', ['-c', '-q', '-f', file], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokerSettings } from '../config/twin-settings.js';
import { renderBrokerNodeConfig } from './broker-config.js';
import { BROKER_BACKEND, renderBrokerEndpointConfig } from './broker-endpoint-config.js';

describe('broker configs', () => {
  it('lists every node of the cluster in each node, and creates the shop user instead of guest', () => {
    const cluster = ['broker-1@localhost', 'broker-2@localhost', 'broker-3@localhost'];
    const text = renderBrokerNodeConfig({ port: 5682, cluster, password: 'pw' });
    expect(text).toContain('listeners.tcp.1 = 127.0.0.1:5682\n');
    expect(text).toContain('cluster_formation.peer_discovery_backend = classic_config\n');
    for (const [i, name] of cluster.entries()) expect(text).toContain(`cluster_formation.classic_config.nodes.${i + 1} = ${name}\n`);
    expect(text).toContain(`default_user = ${brokerSettings.user}\ndefault_pass = pw\ndefault_vhost = ${brokerSettings.vhost}\n`);
    // A majority survives one node's crash only with three or more.
    expect(brokerSettings.nodes).toBeGreaterThanOrEqual(3);
  });

  it('renders an endpoint HAProxy accepts, over every node, redispatching a refused connect', () => {
    const text = renderBrokerEndpointConfig({
      listenPort: 5680,
      adminSocket: '/tmp/admin.sock',
      nodes: [
        { name: 'broker-1', port: 5681 },
        { name: 'broker-2', port: 5682 },
        { name: 'broker-3', port: 5683 },
      ],
    });
    const { intervalMs, fall, rise } = brokerSettings.endpointCheck;
    expect(text).toContain(`default-server inter ${intervalMs}ms fall ${fall} rise ${rise}`);
    expect(text).toContain(`backend ${BROKER_BACKEND}\n  # Connections last for hours`);
    expect(text).toContain('option redispatch 1');
    expect(text.match(/^ {2}server broker-\d 127\.0\.0\.1:568\d check$/gm)).toHaveLength(3);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-broker-endpoint-'));
    try {
      const file = path.join(dir, 'haproxy.cfg');
      writeFileSync(file, text);
      expect(() => execFileSync('haproxy', ['-c', '-q', '-f', file], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

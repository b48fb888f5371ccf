import { brokerSettings } from '../config/twin-settings.js';

export interface BrokerNodeConfigInput {
  port: number;
  /** Every node's Erlang name (`broker-1@localhost`, …), this one's included. */
  cluster: string[];
  password: string;
}

/**
 * One node's rabbitmq.conf (RabbitMQ 3.10, "Configuration", sysctl format). Written at every
 * start; the user, the virtual host and the cluster's membership are created on the cluster's
 * first start and live in the nodes' data from then on.
 */
export function renderBrokerNodeConfig(input: BrokerNodeConfigInput): string {
  return `# Rendered by twin/src/broker/broker-config.ts. Do not edit.
listeners.tcp.1 = 127.0.0.1:${input.port}
# A blank node joins the first running node of the list, or forms the cluster if none runs
# ("Cluster Formation and Peer Discovery", "Config File Peer Discovery Backend").
cluster_formation.peer_discovery_backend = classic_config
${input.cluster.map((name, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${name}`).join('\n')}
# Created when the cluster is formed, instead of guest ("Access Control", "Default Virtual Host and User").
default_user = ${brokerSettings.user}
default_pass = ${input.password}
default_vhost = ${brokerSettings.vhost}
vm_memory_high_watermark.absolute = ${brokerSettings.memoryHighWatermarkMiB}MiB
`;
}

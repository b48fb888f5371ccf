import { brokerSettings } from '../config/twin-settings.js';

export interface BrokerEndpointConfigInput {
  listenPort: number;
  adminSocket: string;
  /** Every broker node's AMQP listener, by name: any live one serves any queue. */
  nodes: { name: string; port: number }[];
}

export const BROKER_BACKEND = 'broker_nodes';

/**
 * The broker's one endpoint: a small HAProxy 2.6 of its own in TCP mode over the three RabbitMQ
 * nodes, so the shop and the consumers know one amqp URL, as they know one SNS topic and one SQS
 * queue URL on AWS. Every node serves every quorum queue (it forwards to the queue's leader), so
 * the endpoint balances by connection count and only has to avoid nodes that are down: a connect
 * check, a connection error on live traffic, a refused connect retried on another node. Sections
 * refer to the HAProxy 2.6 configuration manual.
 */
export function renderBrokerEndpointConfig(input: BrokerEndpointConfigInput): string {
  const check = brokerSettings.endpointCheck;
  return `# Rendered by twin/src/broker/broker-endpoint-config.ts. Do not edit.
global
  stats socket ${input.adminSocket} mode 600 level admin
  maxconn 4096

defaults
  mode tcp
  timeout connect ${brokerSettings.endpointConnectTimeoutMs}ms
  # AMQP connections are long-lived and send heartbeats; these only bound a dead one (§4.2 "timeout client").
  timeout client ${brokerSettings.endpointIdleTimeoutSeconds}s
  timeout server ${brokerSettings.endpointIdleTimeoutSeconds}s
  # A connect that a dead node refuses is tried again, on another node (§4.2 "retries", "option redispatch").
  retries ${brokerSettings.endpointRetries}
  option redispatch 1

frontend broker
  bind 127.0.0.1:${input.listenPort}
  default_backend ${BROKER_BACKEND}

backend ${BROKER_BACKEND}
  # Connections last for hours: spread them by count, not in turn (§4.2 "balance leastconn").
  balance leastconn
  # A TCP connect to the node's AMQP listener every ${check.intervalMs} ms, out after ${check.fall} failed, in after ${check.rise} passed
  # (§5.2 inter/fall/rise); a connection error on live traffic takes a node out at once (§5.2 "observe layer4",
  # "on-error"), and a node taken out loses its connections, so clients reconnect to a live one (§5.2 "on-marked-down").
  default-server inter ${check.intervalMs}ms fall ${check.fall} rise ${check.rise} observe layer4 error-limit 1 on-error mark-down on-marked-down shutdown-sessions
${input.nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check`).join('\n')}
`;
}

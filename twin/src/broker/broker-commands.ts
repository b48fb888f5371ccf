import type { CommandResult } from '../status/status-types.js';
import { MessageBrokerError, type MessageBroker } from './message-broker.js';

export const brokerCommandNames = ['fail-broker-node', 'fail-broker', 'restore-broker'] as const;
export type BrokerCommandName = (typeof brokerCommandNames)[number];

/**
 * The broker's fault commands of the control API, as CommandResults: `fail-broker-node [NAME]`
 * (SIGKILL one node; it comes back by itself), `fail-broker` (every node down until restore) and
 * `restore-broker`. Throws MessageBrokerError, with what to do, when one cannot run.
 */
export async function runBrokerCommand(broker: MessageBroker, name: BrokerCommandName, node: unknown): Promise<CommandResult> {
  switch (name) {
    case 'fail-broker-node': {
      if (node !== undefined && node !== null && node !== '' && typeof node !== 'string') throw new MessageBrokerError('fail-broker-node takes a node name, e.g. broker-2');
      const killed = await broker.killNode(typeof node === 'string' && node !== '' ? node : undefined, 'fail-broker-node');
      return {
        ok: true,
        message:
          `Killed broker node ${killed.name} (port ${killed.port}) with SIGKILL. The other two keep every queue (each message is on a majority before it is confirmed) and elect new leaders; ` +
          `clients on ${killed.name} reconnect through the endpoint. It starts again by itself and catches up.`,
        killed: killed.name,
        expect: ['broker-node-rejoined'],
      };
    }
    case 'fail-broker': {
      const nodes = await broker.failAll('fail-broker');
      return {
        ok: true,
        message:
          `The broker is down: nodes [${nodes.join(', ')}] got SIGKILL and stay down until restore-broker or restore. Orders are still taken; ` +
          'their events wait in the outbox and the instances publish them once the broker is back.',
        brokerNodes: nodes,
        expect: [],
      };
    }
    case 'restore-broker': {
      const nodes = await broker.restore();
      return {
        ok: true,
        message: `Broker nodes started: [${nodes.join(', ')}] with the queues and messages they had; the instances' relays reconnect and drain the outbox.`,
        brokerNodes: nodes,
        expect: nodes.length > 0 ? ['broker-node-rejoined'] : [],
      };
    }
  }
}

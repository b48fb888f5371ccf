import { startRabbitmqServer, type RabbitmqServer } from '@evermall/testkit';
import { describe, expect, it } from 'vitest';
import { describeEventBusContract } from './event-bus.contract.js';
import { connectRabbitmqEventBus } from './rabbitmq-event-bus.js';

let broker: RabbitmqServer | undefined;

describeEventBusContract('RabbitMQ (a real rabbitmq-server, quorum queues)', {
  start: async () => {
    broker = await startRabbitmqServer();
  },
  connect: (queues) => connectRabbitmqEventBus({ url: broker!.url, queues }),
  stop: async () => {
    await broker?.stop();
  },
});

describe('RabbitMQ event bus', () => {
  it('closes when the broker dies as the connection closes (the relay closes after a failed round)', async () => {
    const dying = await startRabbitmqServer();
    try {
      const bus = await connectRabbitmqEventBus({ url: dying.url, queues: [] });
      await dying.kill();
      const outcome = await Promise.race([bus.close().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still closing'), 10_000))]);
      expect(outcome).toBe('closed');
    } finally {
      await dying.stop();
    }
  });
});

describe('RabbitMQ event bus against a frozen broker (SIGSTOP: it takes connections and answers nothing)', () => {
  it('fails the connect instead of waiting for ever, then closes a connected bus without its answer', async () => {
    const frozen = await startRabbitmqServer();
    try {
      frozen.freeze();
      await expect(connectRabbitmqEventBus({ url: frozen.url, queues: [], answerTimeoutSeconds: 1 })).rejects.toThrow(/ETIMEDOUT|did not/);
      frozen.thaw();

      const bus = await connectRabbitmqEventBus({ url: frozen.url, queues: [], answerTimeoutSeconds: 1 });
      frozen.freeze();
      await bus.close();
      await expect(bus.publish([])).rejects.toThrow(/closed/);
    } finally {
      frozen.thaw();
      await frozen.stop();
    }
  });
});

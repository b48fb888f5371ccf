import { startRabbitmqServer, type RabbitmqServer } from '@evermall/testkit';
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

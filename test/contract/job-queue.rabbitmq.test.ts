import amqp from 'amqplib';
import { RabbitJobQueue } from '../../src/adapters/queue-rabbitmq/job-queue.rabbitmq.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { RABBITMQ_URL, uniqueName } from '../helpers/servers.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { jobQueueContract } from './job-queue.contract.ts';

jobQueueContract('RabbitJobQueue', { priorities: false, dedupe: false, leaseMs: 1000 }, async () => {
  const name = uniqueName('faceflow.test');
  const target = new URL(RABBITMQ_URL);
  const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5672));
  const proxied = new URL(RABBITMQ_URL);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const clients: RabbitJobQueue[] = [];
  const open = async (url = RABBITMQ_URL) => {
    const queue = await RabbitJobQueue.open({
      url,
      queue: name,
      prefetch: 10,
      maxDeliveries: 5,
      log: silentLogger,
      reconnectMs: { min: 100, max: 1000 },
    });
    clients.push(queue);
    return queue;
  };
  const queue = await open(proxied.toString());
  const admin = await amqp.connect(RABBITMQ_URL);
  const channel = await admin.createChannel();
  return {
    queue,
    open: () => open(),
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    async kill(q) {
      (q as RabbitJobQueue).abandon();
    },
    async publishRaw(bytes) {
      channel.sendToQueue(name, bytes, { persistent: true });
    },
    async deadLettered() {
      const payloads: string[] = [];
      for (;;) {
        const message = await channel.get(`${name}.dead`, { noAck: true });
        if (!message) return payloads;
        payloads.push(message.content.toString('latin1'));
      }
    },
    cutConnections: () => proxy.cut(1000),
    async close() {
      for (const client of clients) await client.close();
      for (const q of [name, `${name}.dead`]) await channel.deleteQueue(q).catch(() => {});
      for (let ms = 256; ms <= 2 ** 20; ms *= 2)
        await channel.deleteQueue(`${name}.delay.${ms}`).catch(() => {});
      await channel.deleteExchange(`${name}.dlx`).catch(() => {});
      await admin.close();
      await proxy.close();
    },
  };
});

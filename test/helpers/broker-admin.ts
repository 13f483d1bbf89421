import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import amqp from 'amqplib';
import { NATS_URL, RABBITMQ_URL } from './servers.ts';

/** A test's (or benchmark's) own handle on the queue faceflow uses on a shared broker. */
export interface BrokerAdmin {
  /** Puts bytes straight on the work queue, as a foreign or broken publisher would. */
  publishRaw(bytes: Uint8Array): Promise<void>;
  /** Messages waiting in the dead-letter queue (stream). */
  deadLettered(): Promise<number>;
  /** Messages on the work queue (stream) not yet acked away. */
  queued(): Promise<number>;
  /** Removes everything faceflow declared under this name on the shared server. */
  close(): Promise<void>;
}

export interface Broker {
  label: string;
  /** The URL faceflow is given (QUEUE_URL). */
  url: string;
  defaultPort: number;
  /** What a faceflow process logs once its broker connection is back. */
  restored: RegExp;
  /** `name` is QUEUE_NAME: a RabbitMQ queue, a NATS stream. */
  admin(name: string): Promise<BrokerAdmin>;
}

export const RABBITMQ: Broker = {
  label: 'RabbitMQ',
  url: RABBITMQ_URL,
  defaultPort: 5672,
  restored: /RabbitMQ connection restored/,
  async admin(name) {
    const connection = await amqp.connect(RABBITMQ_URL);
    const channel = await connection.createChannel();
    return {
      async publishRaw(bytes) {
        channel.sendToQueue(name, Buffer.from(bytes), { persistent: true });
      },
      async deadLettered() {
        return (await channel.checkQueue(`${name}.dead`)).messageCount;
      },
      async queued() {
        return (await channel.checkQueue(name)).messageCount;
      },
      async close() {
        for (const q of [name, `${name}.dead`]) await channel.deleteQueue(q).catch(() => {});
        for (let ms = 256; ms <= 2 ** 20; ms *= 2)
          await channel.deleteQueue(`${name}.delay.${ms}`).catch(() => {});
        await channel.deleteExchange(`${name}.dlx`).catch(() => {});
        await connection.close();
      },
    };
  },
};

export const NATS: Broker = {
  label: 'NATS JetStream',
  url: NATS_URL,
  defaultPort: 4222,
  restored: /NATS connection restored/,
  async admin(stream) {
    const connection = await natsConnect({ servers: NATS_URL });
    const jsm = await jetstreamManager(connection);
    return {
      async publishRaw(bytes) {
        await jsm.jetstream().publish(`${stream}.jobs`, bytes);
      },
      async deadLettered() {
        return (await jsm.streams.info(`${stream}-dead`)).state.messages;
      },
      async queued() {
        return (await jsm.streams.info(stream)).state.messages;
      },
      async close() {
        for (const name of [stream, `${stream}-dead`]) await jsm.streams.delete(name).catch(() => false);
        await connection.close();
      },
    };
  },
};

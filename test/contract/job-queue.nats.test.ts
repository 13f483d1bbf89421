import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { NatsJobQueue } from '../../src/adapters/queue-nats/job-queue.nats.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { NATS_URL, uniqueName } from '../helpers/servers.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { jobQueueContract, receiveN } from './job-queue.contract.ts';

const ACK_WAIT_MS = 1000;

jobQueueContract('NatsJobQueue', { priorities: false, dedupe: false, leaseMs: ACK_WAIT_MS }, async () => {
  const stream = uniqueName('faceflow-test');
  const target = new URL(NATS_URL);
  const proxy = await TcpProxy.start(target.hostname, Number(target.port || 4222));
  const clients: NatsJobQueue[] = [];
  const open = async (url = NATS_URL) => {
    const queue = await NatsJobQueue.open({
      url,
      stream,
      ackWaitMs: ACK_WAIT_MS,
      maxDeliveries: 5,
      prefetch: 10,
      log: silentLogger,
    });
    clients.push(queue);
    return queue;
  };
  const queue = await open(`nats://127.0.0.1:${proxy.port}`);
  const admin = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(admin);
  return {
    queue,
    open: () => open(),
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    async kill(q) {
      await (q as NatsJobQueue).abandon();
    },
    async publishRaw(bytes) {
      await jsm.jetstream().publish(`${stream}.jobs`, bytes);
    },
    async deadLettered() {
      const info = await jsm.streams.info(`${stream}-dead`);
      const payloads: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage(`${stream}-dead`, { seq });
        if (message) payloads.push(Buffer.from(message.data).toString('latin1'));
      }
      return payloads;
    },
    cutConnections: () => proxy.cut(1000),
    async close() {
      for (const client of clients) await client.close();
      for (const name of [stream, `${stream}-dead`]) await jsm.streams.delete(name).catch(() => false);
      await admin.close();
      await proxy.close();
    },
  };
});

type JetStreamManager = Awaited<ReturnType<typeof jetstreamManager>>;

/** A queue on a fresh stream with `prefetch` 2, and a manager to inspect it; both streams go afterwards. */
async function withQueue(
  options: { ackWaitMs: number; maxDeliveries: number },
  test: (queue: NatsJobQueue, jsm: JetStreamManager, stream: string) => Promise<void>,
): Promise<void> {
  const stream = uniqueName('faceflow-test');
  const queue = await NatsJobQueue.open({
    url: NATS_URL,
    stream,
    prefetch: 2,
    log: silentLogger,
    ...options,
  });
  const admin = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(admin);
  try {
    await test(queue, jsm, stream);
  } finally {
    await queue.close();
    for (const name of [stream, `${stream}-dead`]) await jsm.streams.delete(name).catch(() => false);
    await admin.close();
  }
}

describe('NatsJobQueue pulls no further ahead than its prefetch', () => {
  it('leaves the backlog on the server for other workers (none waits out its ack-wait here)', () =>
    withQueue({ ackWaitMs: 30_000, maxDeliveries: 5 }, async (queue, jsm, stream) => {
      await queue.publish(
        Array.from({ length: 20 }, (_, i) => ({ payload: { kind: 'process_image', imageId: `p${i}` } })),
      );
      const [first] = await receiveN(queue, 'w', 1, 30_000);
      expect(first).toBeDefined();
      await new Promise((r) => setTimeout(r, 1000));
      const info = await jsm.consumers.info(stream, 'faceflow-worker');
      // one in hand, at most `prefetch` buffered and `prefetch` in the client's pull: not the backlog
      expect(info.num_ack_pending).toBeLessThanOrEqual(5);
      expect(info.num_pending).toBeGreaterThanOrEqual(15);
    }));
});

describe('NatsJobQueue while its worker is paused', () => {
  it('stops pulling and keeps the jobs it holds in progress: none comes back with deliveries counted', () => {
    const ackWaitMs = 500;
    return withQueue({ ackWaitMs, maxDeliveries: 3 }, async (queue, jsm, stream) => {
      await queue.publish(
        Array.from({ length: 6 }, (_, i) => ({ payload: { kind: 'process_image', imageId: `p${i}` } })),
      );
      const [first] = await receiveN(queue, 'w', 1, ackWaitMs);
      if (!first) throw new Error('no job received');
      await queue.ack(first.id, 'w');
      queue.pause();
      // Six ack-waits with nothing received: unpaused, the jobs pulled ahead would come back each time
      // and pass maxDeliveries.
      await new Promise((r) => setTimeout(r, ackWaitMs * 6));
      queue.resume();
      const rest = await receiveN(queue, 'w', 5, ackWaitMs, 10_000);
      const ids = new Set(rest.map((j) => (j.payload.kind === 'process_image' ? j.payload.imageId : '')));
      expect(ids).toEqual(new Set(['p1', 'p2', 'p3', 'p4', 'p5']));
      // At most a message in transit when the pull stopped comes back, once (usually none does).
      for (const job of rest) expect(job.deliveries).toBeLessThanOrEqual(2);
      for (const job of rest) await queue.ack(job.id, 'w');
      expect((await jsm.streams.info(`${stream}-dead`)).state.messages).toBe(0);
    });
  });
});

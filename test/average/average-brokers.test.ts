import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { averageResultDocument } from '../../src/app/average/average-document.ts';
import { loadWorkerConfig } from '../../src/config/roles.config.ts';
import { createFaceEngine } from '../../src/engine/index.ts';
import type { FaceEngine } from '../../src/ports/face-engine.ts';
import { runAverage } from '../../src/roles/average.ts';
import { createTestSchema, NATS_URL, RABBITMQ_URL, uniqueName } from '../helpers/servers.ts';
import { describeWithFaces } from '../support/shared-faces.ts';
import { comparable, lfwSubset, writeList } from './lfw-subset.ts';

/**
 * The same average through RabbitMQ and NATS JetStream, and on a PostgreSQL store (this machine's servers),
 * as through the embedded queue on SQLite.
 */
describeWithFaces('faceflow average through RabbitMQ, NATS and PostgreSQL', () => {
  let dir: string;
  let list: string;
  let engine: FaceEngine;
  let embedded: Record<string, unknown>;

  const run = async (name: string, queue: Record<string, string>) => {
    const config = loadWorkerConfig({ DATA_DIR: path.join(dir, name), LOG_LEVEL: 'silent', ...queue });
    const job = await runAverage(config, {
      dataset: { path: list, label: 'subset', options: { face: 'largest', minScore: 0, chunkSize: 3 } },
      workers: 1,
      maxEntryBytes: 20 * 1024 * 1024,
      engine,
    });
    return averageResultDocument(job);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-avg-brokers-'));
    list = await writeList(path.join(dir, 'photos.txt'), lfwSubset(20, 83));
    engine = await createFaceEngine({ threads: 1 });
    embedded = comparable(await run('embedded', {}));
  });
  afterAll(async () => {
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('RabbitMQ: the same result as the embedded queue', async () => {
    const result = await run('rabbitmq', { QUEUE_URL: RABBITMQ_URL, QUEUE_NAME: uniqueName('faceflow.avg') });
    expect(result.counts.photos).toBe(20);
    expect(comparable(result)).toEqual(embedded);
  });

  it('PostgreSQL store with RabbitMQ: the same result as SQLite with the embedded queue', async () => {
    const schema = await createTestSchema();
    try {
      const result = await run('postgres', {
        DATABASE_URL: schema.url,
        QUEUE_URL: RABBITMQ_URL,
        QUEUE_NAME: uniqueName('faceflow.avg'),
      });
      expect(result.counts.photos).toBe(20);
      expect(comparable(result)).toEqual(embedded);
    } finally {
      await schema.drop();
    }
  });

  it('NATS JetStream: the same result as the embedded queue', async () => {
    const result = await run('nats', { QUEUE_URL: NATS_URL, QUEUE_NAME: uniqueName('faceflow-avg') });
    expect(result.counts.photos).toBe(20);
    expect(comparable(result)).toEqual(embedded);
  });
});

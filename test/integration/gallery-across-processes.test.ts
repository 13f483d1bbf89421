import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiClient, type ImageJson, type IngestJson, signInAsAdmin } from '../helpers/api-client.ts';
import { type ChildServer, startChildServer } from '../helpers/child-server.ts';
import { WORKER_READY } from '../helpers/cluster.ts';
import { orl } from '../helpers/faces.ts';
import { createTestSchema } from '../helpers/servers.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

/**
 * The gallery version is bumped in the enrol transaction; a worker process compares it at every photo
 * and reloads its in-memory gallery when it moved. So a person enrolled through an api process is
 * named by a worker that was started (and had loaded an empty gallery) before — no restart.
 */
describeWithFaces('gallery changes reach a running worker in another process (PostgreSQL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-gallery-'));
  let schema: Awaited<ReturnType<typeof createTestSchema>>;
  let api: ChildServer;
  let worker: ChildServer;
  let client: ApiClient;

  const processed = async (subject: number, k: number) => {
    const res = await client.upload<IngestJson>('/api/images', [
      { name: `s${subject}-${k}.pgm`, bytes: orl(subject, k) },
    ]);
    expect(res.status).toBe(201);
    const id = res.body.images[0]?.id as string;
    return client.waitFor<ImageJson>(`/api/images/${id}`, (img) => img.status === 'processed', 90_000);
  };

  beforeAll(async () => {
    schema = await createTestSchema();
    const env = { DATABASE_URL: schema.url, QUEUE_URL: 'embedded:', DATA_DIR: dir, ENGINE_THREADS: '1' };
    api = await startChildServer({ ...env, PORT: '0' }, ['api']);
    worker = await startChildServer(
      { ...env, METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', WORKER_CONCURRENCY: '1' },
      ['worker'],
      90_000,
      WORKER_READY,
    );
    client = await signInAsAdmin(api.url, env);
  });

  afterAll(async () => {
    for (const p of [api, worker]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all([api?.exited, worker?.exited]);
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names a newly enrolled person in the next photo the running worker processes', async () => {
    // The worker loads its (empty) gallery with its first photo: nobody is known yet.
    const before = await processed(5, 2);
    expect(before.faces.length).toBe(1);
    expect(before.faces[0]?.person).toBeNull();

    const person = await client.json<{ id: string }>('POST', '/api/people', { name: 'Subject five' });
    expect(person.status).toBe(201);
    const enrolled = await client.upload(`/api/people/${person.body.id}/faces`, [
      { name: 's5-1.pgm', bytes: orl(5, 1) },
    ]);
    expect(enrolled.status).toBe(201);

    const after = await processed(5, 3);
    expect(after.faces.map((f) => f.person?.id)).toEqual([person.body.id]);
  });
});

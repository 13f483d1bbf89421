import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFaceEngine, EMBEDDING_DIMENSIONS } from '../../src/engine/index.ts';
import type { FaceEngine } from '../../src/ports/face-engine.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { SseClient } from '../helpers/sse-client.ts';
import { makeTar } from '../support/archives.ts';
import { describeWithFaces } from '../support/shared-faces.ts';
import { lfwSubset } from './lfw-subset.ts';

interface JobView {
  id: string;
  state: string;
  progress: {
    photosDone: number;
    photosTotal: number | null;
    photosPerSecond: number;
    etaSeconds: number | null;
  };
  error: { code: string; message: string } | null;
  result: { counts: { photos: number; faces: number }; normalizedMean: number[] } | null;
  finishedAt: string | null;
}

describeWithFaces('average jobs over the API', () => {
  let engine: FaceEngine;
  let server: TestServer;
  let outside: string;
  let events: SseClient;
  const photos = lfwSubset(12, 53);

  beforeAll(async () => {
    engine = await createFaceEngine({ threads: 1 });
    server = await startTestServer({}, engine);
    await mkdir(path.join(server.importRoot, 'set'));
    for (const [i, photo] of photos.entries())
      await copyFile(photo, path.join(server.importRoot, 'set', `${String(i).padStart(2, '0')}.jpg`));
    outside = await mkdtemp(path.join(tmpdir(), 'faceflow-outside-'));
    await copyFile(photos[0] as string, path.join(outside, 'a.jpg'));
    events = await SseClient.connect(`${server.running.url}/api/events`, undefined, server.api.authHeaders());
  });

  afterAll(async () => {
    await events?.close();
    await server?.stop();
    await engine?.close();
    await rm(outside, { recursive: true, force: true });
  });

  const url = (p: string) => `${server.running.url}${p}`;
  /** fetch as the signed-in test admin. */
  const authedFetch = (input: string, init: RequestInit = {}) =>
    fetch(input, {
      ...init,
      headers: { ...server.api.authHeaders(), ...(init.headers as Record<string, string> | undefined) },
    });
  const postPath = (body: unknown) =>
    authedFetch(url('/api/jobs/average'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const getJob = async (id: string) => (await (await authedFetch(url(`/api/jobs/${id}`))).json()) as JobView;
  async function until(id: string, states: string[]): Promise<JobView> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const job = await getJob(id);
      if (states.includes(job.state)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('a path outside IMPORT_ROOTS, or with `..`, is refused with 403 and nothing is started', async () => {
    for (const given of [outside, path.join(outside, 'a.jpg'), '../x', path.join(server.importRoot, '..')]) {
      const res = await postPath({ path: given });
      expect(res.status, given).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden_path');
    }
    const list = (await (await authedFetch(url('/api/jobs'))).json()) as { jobs: unknown[] };
    expect(list.jobs).toEqual([]);
  });

  it('a folder under IMPORT_ROOTS: 202, progress, result.json, job events; a live upload is not starved meanwhile', async () => {
    const res = await postPath({ path: 'set', chunkSize: 2 });
    expect(res.status).toBe(202);
    const created = (await res.json()) as JobView;
    expect(['preparing', 'running']).toContain(created.state);
    // a photo uploaded while the job runs jumps ahead of the job's chunks
    const form = new FormData();
    form.append('file', new Blob([await readFile(lfwSubset(1, 997)[0] as string)]), 'live.jpg');
    const upload = (await (await authedFetch(url('/api/images'), { method: 'POST', body: form })).json()) as {
      images: { id: string }[];
    };
    const imageId = upload.images[0]?.id as string;
    await events.waitFor((all) =>
      all.some(
        (e) =>
          e.event === 'image' &&
          (e.data as { id: string; status: string }).id === imageId &&
          (e.data as { status: string }).status === 'processed',
      ),
    );
    const whenPhotoDone = await getJob(created.id);
    expect(whenPhotoDone.state).not.toBe('done');

    const done = await until(created.id, ['done', 'failed']);
    expect(done.error).toBeNull();
    expect(done.progress).toMatchObject({ photosDone: 12, photosTotal: 12, etaSeconds: 0 });
    expect(done.progress.photosPerSecond).toBeGreaterThan(0);
    expect(done.result?.counts.photos).toBe(12);
    const file = await authedFetch(url(`/api/jobs/${created.id}/result.json`));
    expect(file.status).toBe(200);
    const document = (await file.json()) as { mean: number[]; normalizedMean: number[]; std: number[] };
    expect(document.mean).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(document.normalizedMean).toEqual(done.result?.normalizedMean);
    await events.waitFor((all) =>
      all.some(
        (e) =>
          e.event === 'job' &&
          (e.data as { id: string; state: string }).id === created.id &&
          (e.data as { state: string }).state === 'done',
      ),
    );
    const jobEvents = events.events.filter(
      (e) => e.event === 'job' && (e.data as { id: string }).id === created.id,
    );
    expect(jobEvents.length).toBeGreaterThan(2);
    expect(jobEvents.at(-1)?.data).toMatchObject({ kind: 'average', state: 'done', done: 12, total: 12 });
  });

  it('an uploaded .tar.gz archive is averaged; the same photos give the same result as the folder', async () => {
    const entries = await Promise.all(
      photos.map(async (p, i) => ({
        name: `p/${String(i).padStart(2, '0')}.jpg`,
        data: new Uint8Array(await readFile(p)),
      })),
    );
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await makeTar(entries, true))]), 'set.tar.gz');
    const res = await authedFetch(url('/api/jobs/average?chunkSize=5'), { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const job = await until(((await res.json()) as JobView).id, ['done', 'failed']);
    const list = (await (await authedFetch(url('/api/jobs'))).json()) as { jobs: JobView[] };
    const byFolder = list.jobs.find((j) => j.id !== job.id && j.state === 'done');
    expect(job.result?.normalizedMean).toEqual(byFolder?.result?.normalizedMean);
  });

  it('cancel stops a running job; result.json of an unfinished job is 409; unknown ids are 404', async () => {
    const res = await postPath({ path: 'set', chunkSize: 1 });
    const created = (await res.json()) as JobView;
    const cancelled = await authedFetch(url(`/api/jobs/${created.id}/cancel`), { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as JobView).state).toBe('cancelled');
    expect((await authedFetch(url(`/api/jobs/${created.id}/result.json`))).status).toBe(409);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await getJob(created.id)).state).toBe('cancelled');
    expect((await authedFetch(url('/api/jobs/avg_nope'))).status).toBe(404);
    expect((await authedFetch(url('/api/jobs/avg_nope/cancel'), { method: 'POST' })).status).toBe(404);
    expect((await authedFetch(url('/api/jobs/avg_nope'), { method: 'DELETE' })).status).toBe(404);
  });
});

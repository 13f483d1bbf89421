import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApiClient, ImageJson, IngestJson } from '../helpers/api-client.ts';
import { signInAsAdmin } from '../helpers/api-client.ts';
import { type ChildServer, killIfRunning, startChildServer } from '../helpers/child-server.ts';
import { lfw } from '../helpers/faces.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

/** Ways an embedding could be written out: its numbers as JSON prints them, its bytes as hex or base64. */
function renderings(bytes: Uint8Array): string[] {
  const floats = new Float32Array(new Uint8Array(bytes).buffer);
  const numbers = [...floats]
    .map((v) => String(v))
    .filter((s) => s.replace(/[-0.]/g, '').length >= 6)
    .slice(0, 8);
  const buffer = Buffer.from(bytes);
  return [...numbers, buffer.subarray(0, 16).toString('hex'), buffer.toString('base64').slice(0, 20)];
}

// Face embeddings are biometric data: whatever faceflow logs (at the most verbose level), exports as
// metrics or answers (results and errors), no embedding is in it, not even one number of one.
describeWithFaces('privacy: embeddings never reach logs, metrics or API answers', () => {
  let dir: string;
  let dataDir: string;
  let server: ChildServer;
  let api: ApiClient;
  const answers: string[] = [];
  const embeddings: string[] = [];

  async function keep<T>(pending: Promise<{ status: number; body: T }>) {
    const answer = await pending;
    answers.push(JSON.stringify(answer.body));
    return answer;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-embedding-leaks-'));
    dataDir = join(dir, 'data');
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'trace', ENGINE_THREADS: '1', WORKER_CONCURRENCY: '1' };
    server = await startChildServer(env);
    api = await signInAsAdmin(server.url, env);
  });
  afterAll(async () => {
    await killIfRunning(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every embedding out of the log, /metrics and every answer of a full round', async () => {
    const upload = await keep(
      api.upload<IngestJson>('/api/images', [
        { name: 'a.jpg', bytes: lfw('Abel_Pacheco', 1) },
        { name: 'b.jpg', bytes: lfw('Ahmad_Masood', 1) },
      ]),
    );
    expect(upload.status).toBe(201);
    const ids = upload.body.images.map((i) => i.id);
    for (const id of ids) await api.waitFor<ImageJson>(`/api/images/${id}`, (i) => i.status === 'processed');
    const person = await keep(api.json<{ id: string }>('POST', '/api/people', { name: 'Abel' }));
    const [photoA, photoB] = await Promise.all(
      ids.map(async (id) => (await keep(api.json<ImageJson>('GET', `/api/images/${id}`))).body),
    );
    const faceA = photoA?.faces[0]?.id as string;
    expect(
      (await keep(api.json('POST', `/api/people/${person.body.id}/faces`, { faceId: faceA }))).status,
    ).toBe(201);
    const enrolled = await keep(
      api.upload(`/api/people/${person.body.id}/faces`, [{ name: 'e.jpg', bytes: lfw('Abel_Pacheco', 2) }]),
    );
    expect(enrolled.status).toBe(201);
    const faceB = photoB?.faces[0]?.id as string;
    expect(
      (await keep(api.json('POST', `/api/faces/${faceB}/assign`, { personId: person.body.id }))).status,
    ).toBe(200);
    expect(
      (await keep(api.upload('/api/identify', [{ name: 'q.jpg', bytes: lfw('Abel_Pacheco', 3) }]))).status,
    ).toBe(200);
    // Errors on the way: a face that does not exist, a photo that is not one.
    expect(
      (await keep(api.json('POST', `/api/people/${person.body.id}/faces`, { faceId: 'fac_x' }))).status,
    ).toBe(404);
    expect(
      (
        await keep(
          api.upload(`/api/people/${person.body.id}/faces`, [{ name: 'x.jpg', bytes: new Uint8Array(9) }]),
        )
      ).status,
    ).toBe(422);
    await keep(api.json('GET', `/api/people/${person.body.id}`));
    await keep(api.json('GET', `/api/people/${person.body.id}/faces`));

    // Read the embeddings straight from the database, then forget the person with their photos.
    const db = new BetterSqlite3(join(dataDir, 'faceflow.db'), { readonly: true });
    const rows = [
      ...(db.prepare('select embedding from faces').all() as { embedding: Uint8Array }[]),
      ...(db.prepare('select embedding from enrolled_faces').all() as { embedding: Uint8Array }[]),
    ];
    db.close();
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) embeddings.push(...renderings(row.embedding));
    expect((await keep(api.json('DELETE', `/api/people/${person.body.id}?purge=photos`))).status).toBe(200);
    await keep(api.json('GET', '/api/audit?limit=100'));
    const metrics = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${api.token}` },
    });
    expect(metrics.status).toBe(200);
    const metricsText = await metrics.text();

    server.child.kill('SIGTERM');
    await server.exited;
    const log = server.output();
    // The log is really verbose (a line per request, without its query string) and the round really happened.
    expect(log).toMatch(/"method":"DELETE","url":"\/api\/people\/per_[^"?]+"/);
    expect(log).toMatch(/"status":422/);
    expect(embeddings.length).toBeGreaterThan(20);
    for (const [where, text] of [
      ['log', log],
      ['metrics', metricsText],
      ['answers', answers.join('\n')],
    ] as const) {
      for (const rendering of embeddings)
        expect(text.includes(rendering), `${where} holds ${rendering} of an embedding`).toBe(false);
    }
  });
});

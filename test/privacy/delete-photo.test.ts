import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzeOptions } from '../../src/ports/face-engine.ts';
import {
  type ApiClient,
  type ErrorJson,
  type ImageJson,
  type IngestJson,
  signIn,
} from '../helpers/api-client.ts';
import type { TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';
import { type ServerWithSql, startServerWithSql } from '../helpers/server-with-sql.ts';
import type { Sql } from '../helpers/sql-reader.ts';
import { SseClient } from '../helpers/sse-client.ts';
import { blankJpeg } from '../support/image-fixtures.ts';

/** Answers two faces per photo; while `gate` is set, every analysis waits for it (a photo held mid-processing). */
class GatedEngine extends ScriptedEngine {
  gate: Promise<void> | null = null;

  constructor() {
    super(() => [faceAlong(0), faceAlong(1)]);
  }

  override async analyze(image: Uint8Array, options?: AnalyzeOptions) {
    this.busy++;
    try {
      if (this.gate) await this.gate;
    } finally {
      this.busy--;
    }
    return super.analyze(image, options);
  }
}

const blobPath = (dataDir: string, sha: string) =>
  join(dataDir, 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha);

function deletePhotoSuite(database: 'sqlite' | 'postgres' | 'mysql') {
  describe(`deleting a photo on ${database}`, () => {
    const engine = new GatedEngine();
    let server: TestServer;
    let api: ApiClient;
    let sql: Sql;
    let running: ServerWithSql | undefined;

    beforeAll(async () => {
      running = await startServerWithSql(database, { WORKER_CONCURRENCY: '1' }, engine);
      ({ server, sql } = running);
      api = server.api;
    });
    afterAll(() => running?.stop());

    async function rowsOf(imageId: string) {
      const count = async (query: string) =>
        Number((await sql.rows<{ n: number | string }>(query, [imageId]))[0]?.n);
      return {
        images: await count('select count(*) as n from images where id = $1'),
        faces: await count('select count(*) as n from faces where image_id = $1'),
      };
    }

    async function upload(width: number): Promise<{ id: string; sha: string }> {
      const bytes = await blankJpeg(width, 200);
      const res = await api.upload<IngestJson>('/api/images', [{ name: `p${width}.jpg`, bytes }]);
      expect(res.status).toBe(201);
      const id = res.body.images[0]?.id as string;
      return { id, sha: createHash('sha256').update(bytes).digest('hex') };
    }

    it('deletes a processed photo, its faces and bytes for an editor, tells open UIs and audits it; viewers may not', async () => {
      const photo = await upload(300);
      await api.waitFor<ImageJson>(`/api/images/${photo.id}`, (b) => b.status === 'processed');
      const face = (await api.json<ImageJson>('GET', `/api/images/${photo.id}`)).body.faces[0];
      expect(await rowsOf(photo.id)).toEqual({ images: 1, faces: 2 });
      expect(existsSync(blobPath(server.dataDir, photo.sha))).toBe(true);

      expect(
        (
          await api.json('POST', '/api/users', {
            name: 'vic',
            password: 'viewer-password-123',
            role: 'viewer',
          })
        ).status,
      ).toBe(201);
      const viewer = await signIn(server.running.url, 'vic', 'viewer-password-123');
      const refused = await viewer.json<ErrorJson>('DELETE', `/api/images/${photo.id}`);
      expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);
      expect(await rowsOf(photo.id)).toEqual({ images: 1, faces: 2 });

      const events = await SseClient.connect(
        `${server.running.url}/api/events`,
        undefined,
        api.authHeaders(),
      );
      try {
        const deleted = await fetch(`${server.running.url}/api/images/${photo.id}`, {
          method: 'DELETE',
          headers: api.authHeaders(),
        });
        expect([deleted.status, await deleted.text()]).toEqual([204, '']);
        await events.waitFor((seen) => seen.some((e) => e.event === 'image_deleted'), 10_000);
        expect(events.events.filter((e) => e.event === 'image_deleted').map((e) => e.data)).toEqual([
          { id: photo.id },
        ]);
      } finally {
        await events.close();
      }

      for (const path of [
        `/api/images/${photo.id}`,
        `/api/images/${photo.id}/content`,
        `/api/images/${photo.id}/preview?size=64`,
        `/api/images/${photo.id}/faces/${face?.id}/thumbnail`,
      ]) {
        const res = await api.json<ErrorJson>('GET', path);
        expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'not_found']);
      }
      expect(await rowsOf(photo.id)).toEqual({ images: 0, faces: 0 });
      expect(existsSync(blobPath(server.dataDir, photo.sha))).toBe(false);
      const list = await api.json<{ images: { id: string }[] }>('GET', '/api/images');
      expect(list.body.images.map((i) => i.id)).not.toContain(photo.id);

      const audit = await api.json<{ entries: { action: string; target: { id: string } | null }[] }>(
        'GET',
        '/api/audit?action=photo.deleted',
      );
      expect(audit.body.entries.map((e) => e.target?.id)).toEqual([photo.id]);

      const again = await api.json<ErrorJson>('DELETE', `/api/images/${photo.id}`);
      expect([again.status, again.body.error.code]).toEqual([404, 'not_found']);
    });

    it('does not bring back a photo whose worker finishes after the delete', async () => {
      let open = () => {};
      engine.gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      try {
        const photo = await upload(310);
        await api.waitFor<ImageJson>(`/api/images/${photo.id}`, (b) => b.status === 'processing');
        expect((await api.json('DELETE', `/api/images/${photo.id}`)).status).toBe(204);
        open();
        // The worker writes its result (or tries to) once the engine answers.
        const deadline = Date.now() + 10_000;
        while (engine.calls.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 500));
        expect(engine.calls.get(photo.sha)).toBe(1);
        expect(await rowsOf(photo.id)).toEqual({ images: 0, faces: 0 });
        expect((await api.json('GET', `/api/images/${photo.id}`)).status).toBe(404);
        expect(existsSync(blobPath(server.dataDir, photo.sha))).toBe(false);
      } finally {
        engine.gate = null;
        open();
      }
    });
  });
}

deletePhotoSuite('sqlite');
deletePhotoSuite('postgres');
deletePhotoSuite('mysql');

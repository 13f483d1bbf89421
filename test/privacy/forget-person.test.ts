import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorJson, type ImageJson, type IngestJson, signIn } from '../helpers/api-client.ts';
import { lfw } from '../helpers/faces.ts';
import type { TestServer } from '../helpers/in-process.ts';
import { type ServerWithSql, startServerWithSql } from '../helpers/server-with-sql.ts';
import type { Sql } from '../helpers/sql-reader.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

interface Deletion {
  person: { id: string; name: string };
  purgedPhotos: boolean;
  deleted: Record<'enrolledEmbeddings' | 'facesUnlabelled' | 'photos' | 'faces' | 'jobs' | 'blobs', number>;
}

interface AuditJson {
  entries: {
    id: string;
    at: string;
    actor: { kind: string; id: string; name: string };
    action: string;
    target: { type: string; id: string } | null;
    details: Record<string, unknown>;
  }[];
  nextCursor: string | null;
}

const blobPath = (dataDir: string, sha: string) =>
  join(dataDir, 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha);

const hex = (value: Uint8Array | Buffer) => Buffer.from(value).toString('hex');

function forgetPersonSuite(database: 'sqlite' | 'postgres') {
  describe(`forgetting a person on ${database}`, () => {
    let server: TestServer;
    let sql: Sql;
    let running: ServerWithSql | undefined;

    beforeAll(async () => {
      running = await startServerWithSql(database, { WORKER_CONCURRENCY: '1' });
      ({ server, sql } = running);
    });
    afterAll(() => running?.stop());

    /** Everything that could still hold something of a photo or a person, counted. */
    async function tableCounts() {
      const counts: Record<string, number> = {};
      for (const table of ['images', 'faces', 'people', 'enrolled_faces', 'outbox', 'jobs', 'audit_log']) {
        const [row] = await sql.rows<{ n: number | string }>(`select count(*) as n from ${table}`);
        counts[table] = Number(row?.n);
      }
      return { ...counts, blobs: server.blobCount() } as Record<string, number> & { blobs: number };
    }

    it('deletes the person, their embeddings and every photo they are in, rows and blobs, and audits it', async () => {
      const { api } = server;
      const me = await api.json<{ user: { id: string; name: string; kind: string } }>('GET', '/api/auth/me');
      expect(me.status).toBe(200);
      const actor = { kind: me.body.user.kind, id: me.body.user.id, name: me.body.user.name };

      const upload = await api.upload<IngestJson>('/api/images', [
        { name: 'ann-1.jpg', bytes: lfw('Abel_Pacheco', 1) },
        { name: 'ann-2.jpg', bytes: lfw('Abel_Pacheco', 2) },
        { name: 'bob.jpg', bytes: lfw('Ahmad_Masood', 1) },
        { name: 'nobody.jpg', bytes: lfw('Aicha_El_Ouafi', 1) },
      ]);
      expect(upload.status).toBe(201);
      const [ann1, ann2, bob1, other] = upload.body.images.map((i) => i.id) as [
        string,
        string,
        string,
        string,
      ];
      const photos = await Promise.all(
        [ann1, ann2, bob1, other].map((id) =>
          api.waitFor<ImageJson>(`/api/images/${id}`, (i) => i.status === 'processed'),
        ),
      );
      for (const photo of photos) expect(photo.faces.length).toBeGreaterThan(0);
      const firstFace = (i: number) => (photos[i] as ImageJson).faces[0]?.id as string;

      const ann = (await api.json<{ id: string }>('POST', '/api/people', { name: 'Ann' })).body;
      const bob = (await api.json<{ id: string }>('POST', '/api/people', { name: 'Bob' })).body;
      expect((await api.json('POST', `/api/faces/${firstFace(0)}/assign`, { personId: ann.id })).status).toBe(
        200,
      );
      expect((await api.json('POST', `/api/people/${ann.id}/faces`, { faceId: firstFace(1) })).status).toBe(
        201,
      );
      expect(
        (await api.upload(`/api/people/${ann.id}/faces`, [{ name: 'e.jpg', bytes: lfw('Abel_Pacheco', 3) }]))
          .status,
      ).toBe(201);
      expect((await api.json('POST', `/api/faces/${firstFace(2)}/assign`, { personId: bob.id })).status).toBe(
        200,
      );
      expect((await api.json('PATCH', `/api/people/${bob.id}`, { name: 'Robert' })).status).toBe(200);

      const annPhotos = await sql.rows<{ id: string; sha256: string }>(
        'select distinct i.id, i.sha256 from images i join faces f on f.image_id = i.id where f.person_id = $1',
        [ann.id],
      );
      expect(annPhotos.map((p) => p.id).sort()).toEqual([ann1, ann2].sort());
      const annEmbeddings = [
        ...(await sql.rows<{ embedding: Uint8Array }>(
          'select f.embedding from faces f where f.image_id in ($1, $2)',
          [ann1, ann2],
        )),
        ...(await sql.rows<{ embedding: Uint8Array }>(
          'select embedding from enrolled_faces where person_id = $1',
          [ann.id],
        )),
      ].map((r) => hex(r.embedding));
      expect(annEmbeddings.length).toBeGreaterThanOrEqual(4);
      for (const photo of annPhotos) expect(existsSync(blobPath(server.dataDir, photo.sha256))).toBe(true);

      // Roles: a viewer cannot forget anyone; the audit log is for admins only (an editor gets 403).
      for (const role of ['viewer', 'editor'])
        expect(
          (await api.json('POST', '/api/users', { name: role, password: `${role}-password-123`, role }))
            .status,
        ).toBe(201);
      const viewer = await signIn(api.baseUrl, 'viewer', 'viewer-password-123');
      const editor = await signIn(api.baseUrl, 'editor', 'editor-password-123');

      // Refused and bad requests: nothing is deleted.
      const before = await tableCounts();
      const refused = await viewer.json<ErrorJson>('DELETE', `/api/people/${ann.id}?purge=photos`);
      expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);
      for (const client of [viewer, editor]) {
        const audit = await client.json<ErrorJson>('GET', '/api/audit');
        expect([audit.status, audit.body.error.code]).toEqual([403, 'forbidden']);
      }
      expect((await fetch(`${api.baseUrl}/api/audit`)).status).toBe(401);
      const unknown = await api.json<ErrorJson>('DELETE', '/api/people/per_nobody?purge=photos');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('not_found');
      const badPurge = await api.json<ErrorJson>('DELETE', `/api/people/${ann.id}?purge=everything`);
      expect(badPurge.status).toBe(400);
      expect(badPurge.body.error.code).toBe('invalid_input');
      expect(await tableCounts()).toEqual(before);

      const purged = await api.json<Deletion>('DELETE', `/api/people/${ann.id}?purge=photos`);
      expect(purged.status).toBe(200);
      expect(purged.body).toMatchObject({
        person: { id: ann.id, name: 'Ann' },
        purgedPhotos: true,
        deleted: { enrolledEmbeddings: 2, facesUnlabelled: 0, photos: 2, blobs: 2 },
      });
      const [photoA1, photoA2] = photos as [ImageJson, ImageJson];
      expect(purged.body.deleted.faces).toBe(photoA1.faces.length + photoA2.faces.length);

      // In the database: no row of hers, no embedding of hers anywhere.
      const [annIds, shas] = [[ann1, ann2], annPhotos.map((p) => p.sha256)];
      expect(await sql.rows('select id from people where id = $1', [ann.id])).toEqual([]);
      expect(await sql.rows('select id from enrolled_faces where person_id = $1', [ann.id])).toEqual([]);
      expect(await sql.rows('select id from faces where person_id = $1', [ann.id])).toEqual([]);
      expect(await sql.rows('select id from images where id in ($1, $2)', annIds)).toEqual([]);
      expect(await sql.rows('select id from images where sha256 in ($1, $2)', shas)).toEqual([]);
      expect(await sql.rows('select id from faces where image_id in ($1, $2)', annIds)).toEqual([]);
      expect(
        await sql.rows('select id from enrolled_faces where source_image_id in ($1, $2)', annIds),
      ).toEqual([]);
      const jobs = await sql.rows<{ payload: string }>('select payload from jobs');
      const outbox = await sql.rows<{ job: string }>('select job from outbox');
      for (const id of annIds)
        for (const text of [...jobs.map((j) => j.payload), ...outbox.map((o) => o.job)])
          expect(text).not.toContain(id);
      const remaining = [
        ...(await sql.rows<{ embedding: Uint8Array }>('select embedding from faces')),
        ...(await sql.rows<{ embedding: Uint8Array }>('select embedding from enrolled_faces')),
      ].map((r) => hex(r.embedding));
      for (const embedding of annEmbeddings) expect(remaining).not.toContain(embedding);
      // On disk: her photos' bytes are gone, the others' are still there.
      for (const sha of shas) expect(existsSync(blobPath(server.dataDir, sha))).toBe(false);
      const kept = await sql.rows<{ sha256: string }>('select sha256 from images');
      expect(kept.length).toBe(2);
      for (const photo of kept) expect(existsSync(blobPath(server.dataDir, photo.sha256))).toBe(true);
      expect(server.blobCount()).toBe(before.blobs - 2);
      expect((await api.json('GET', `/api/images/${ann1}`)).status).toBe(404);

      // Without purge: the person and their embeddings go, their face stays as an unknown face.
      const forgotten = await api.json<Deletion>('DELETE', `/api/people/${bob.id}`);
      expect(forgotten.status).toBe(200);
      expect(forgotten.body).toMatchObject({
        purgedPhotos: false,
        deleted: { enrolledEmbeddings: 0, facesUnlabelled: 1, photos: 0, faces: 0, blobs: 0 },
      });
      const bobPhoto = await api.json<ImageJson>('GET', `/api/images/${bob1}`);
      expect(bobPhoto.body.faces.find((f) => f.id === firstFace(2))?.person).toBeNull();
      expect(server.blobCount()).toBe(before.blobs - 2);

      // The audit log names each action, its actor and its target, newest first; never an embedding.
      const audit = await api.json<AuditJson>('GET', '/api/audit?limit=100');
      expect(audit.status).toBe(200);
      const ours = audit.body.entries.filter(
        (e) => !e.action.startsWith('user.') && !e.action.startsWith('auth.'),
      );
      expect(ours.map((e) => [e.action, e.target?.id])).toEqual([
        ['person.deleted', bob.id],
        ['photo.deleted', ann2 > ann1 ? ann2 : ann1],
        ['photo.deleted', ann2 > ann1 ? ann1 : ann2],
        ['person.purged', ann.id],
        ['person.renamed', bob.id],
        ['face.assigned', firstFace(2)],
        ['face.enrolled', ann.id],
        ['face.enrolled', ann.id],
        ['face.assigned', firstFace(0)],
        ['person.created', bob.id],
        ['person.created', ann.id],
      ]);
      for (const entry of ours) expect(entry.actor).toEqual(actor);
      expect(ours[0]?.details).toMatchObject({ name: 'Robert', facesUnlabelled: 1 });
      expect(ours[3]?.details).toMatchObject({ name: 'Ann', photos: 2, blobs: 2, enrolledEmbeddings: 2 });
      expect(ours[4]?.details).toEqual({ from: 'Bob', to: 'Robert' });
      const text = JSON.stringify(audit.body);
      for (const embedding of annEmbeddings) expect(text).not.toContain(embedding.slice(0, 32));

      // Filter by action and page through with the cursor.
      const enrolled = await api.json<AuditJson>('GET', '/api/audit?action=face.enrolled&limit=1');
      expect(enrolled.body.entries.map((e) => e.action)).toEqual(['face.enrolled']);
      expect(enrolled.body.nextCursor).not.toBeNull();
      const next = await api.json<AuditJson>(
        'GET',
        `/api/audit?action=face.enrolled&limit=1&cursor=${enrolled.body.nextCursor}`,
      );
      expect(next.body.entries.map((e) => e.action)).toEqual(['face.enrolled']);
      expect((next.body.entries[0]?.id as string) < (enrolled.body.entries[0]?.id as string)).toBe(true);
      expect(next.body.nextCursor).toBeNull();
      for (const query of ['limit=0', 'limit=abc', 'action=DROP%20TABLE', `cursor=${'x'.repeat(101)}`]) {
        const bad = await api.json<ErrorJson>('GET', `/api/audit?${query}`);
        expect(bad.status, query).toBe(400);
        expect(bad.body.error.code).toBe('invalid_input');
      }
    });
  });
}

describeWithFaces('privacy: forgetting a person (issue 7)', () => {
  forgetPersonSuite('sqlite');
  forgetPersonSuite('postgres');
});

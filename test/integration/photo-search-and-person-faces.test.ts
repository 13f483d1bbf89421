import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ErrorJson, ImageJson, IngestJson } from '../helpers/api-client.ts';
import { lfw } from '../helpers/faces.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

interface EnrolledFaceJson {
  id: string;
  createdAt: string;
  source: { imageId: string; faceId: string } | null;
  thumbnailUrl: string | null;
}

const JPEG_MAGIC = [0xff, 0xd8, 0xff];

describeWithFaces('HTTP API: photo search by name, and the faces enrolled for a person', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ WORKER_CONCURRENCY: '1' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function expectJpeg(url: string): Promise<void> {
    const res = await fetch(`${server.api.baseUrl}${url}`, { headers: server.api.authHeaders() });
    expect(res.status, url).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await res.arrayBuffer()).subarray(0, 3)]).toEqual(JPEG_MAGIC);
  }

  it('finds photos by part of their file name, ignoring case, with % and _ taken literally', async () => {
    const uploaded = await server.api.upload<IngestJson>('/api/images', [
      { name: 'Holiday_Beach.jpg', bytes: lfw('Abdullah_Gul', 1) },
      { name: 'holiday%2.jpg', bytes: lfw('Abel_Pacheco', 1) },
      { name: 'work.jpg', bytes: lfw('AJ_Cook', 1) },
    ]);
    expect(uploaded.status).toBe(201);
    const [underscore, percent] = uploaded.body.images.map((i) => i.id);
    const search = async (q: string, extra = '') =>
      (
        await server.api.json<{ images: ImageJson[]; nextCursor: string | null }>(
          'GET',
          `/api/images?q=${encodeURIComponent(q)}${extra}`,
        )
      ).body;

    expect((await search('HOLIDAY')).images.map((i) => i.id)).toEqual([percent, underscore]);
    expect((await search('%')).images.map((i) => i.id)).toEqual([percent]);
    expect((await search('y_b')).images.map((i) => i.id)).toEqual([underscore]);
    expect((await search('nothing like it')).images).toEqual([]);
    const first = await search('holiday', '&limit=1');
    expect(first.images.map((i) => i.id)).toEqual([percent]);
    const second = await search('holiday', `&limit=1&cursor=${first.nextCursor}`);
    expect(second.images.map((i) => i.id)).toEqual([underscore]);
    expect(second.nextCursor).toBeNull();

    const counts = await server.api.json<{ counts: Record<string, number>; total: number }>(
      'GET',
      '/api/images/counts?q=holiday',
    );
    expect(counts.status).toBe(200);
    expect(counts.body.total).toBe(2);
    expect((await server.api.json<{ total: number }>('GET', '/api/images/counts')).body.total).toBe(3);
  });

  it('refuses an over-long search with 400 and stores nothing', async () => {
    const long = 'x'.repeat(201);
    for (const route of [`/api/images?q=${long}`, `/api/images/counts?q=${long}`]) {
      const res = await server.api.json<ErrorJson>('GET', route);
      expect(res.status, route).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.message.length).toBeGreaterThan(0);
    }
    expect((await server.api.json<{ total: number }>('GET', '/api/images/counts')).body.total).toBe(3);
  });

  it("lists a person's enrolled faces, from an uploaded photo and from a stored one, each with a picture", async () => {
    const person = await server.api.json<{ id: string }>('POST', '/api/people', { name: 'Abdullah' });
    const other = await server.api.json<{ id: string }>('POST', '/api/people', { name: 'Someone else' });
    const none = await server.api.json<{ faces: EnrolledFaceJson[] }>(
      'GET',
      `/api/people/${person.body.id}/faces`,
    );
    expect(none).toEqual({ status: 200, body: { faces: [] } });

    // From an uploaded photo (not stored itself: its face's picture is kept with the enrolled face).
    const fromUpload = await server.api.upload<{ enrolledId: string }>(
      `/api/people/${person.body.id}/faces`,
      [{ name: 'enrol.jpg', bytes: lfw('Abdullah_Gul', 2) }],
    );
    expect(fromUpload.status, JSON.stringify(fromUpload.body)).toBe(201);

    // From a face of a stored photo (the search test's first upload, once processed).
    const photos = await server.api.json<{ images: ImageJson[] }>('GET', '/api/images?q=Holiday_Beach');
    const photoId = photos.body.images[0]?.id as string;
    const processed = await server.api.waitFor<{ status: string; faces: { id: string }[] }>(
      `/api/images/${photoId}`,
      (b) => b.status === 'processed',
    );
    const faceId = processed.faces[0]?.id as string;
    const fromFace = await server.api.json<{ enrolledId: string }>(
      'POST',
      `/api/people/${person.body.id}/faces`,
      {
        faceId,
      },
    );
    expect(fromFace.status).toBe(201);

    const listed = await server.api.json<{ faces: EnrolledFaceJson[] }>(
      'GET',
      `/api/people/${person.body.id}/faces`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.faces.map((f) => [f.id, f.source])).toEqual([
      [fromUpload.body.enrolledId, null],
      [fromFace.body.enrolledId, { imageId: photoId, faceId }],
    ]);
    for (const face of listed.body.faces) {
      expect(face.thumbnailUrl).toMatch(/^\/api\/people\/.+\/faces\/.+\/thumbnail$/);
      await expectJpeg(face.thumbnailUrl as string);
    }

    // Someone else's face, an unknown id, a bad size: 404 / 400 with the error shape.
    const thumbnail = `/api/people/${other.body.id}/faces/${fromUpload.body.enrolledId}/thumbnail`;
    for (const [route, status, code] of [
      [thumbnail, 404, 'not_found'],
      [`/api/people/${person.body.id}/faces/enr_nope/thumbnail`, 404, 'not_found'],
      ['/api/people/per_nope/faces', 404, 'not_found'],
      [`${listed.body.faces[0]?.thumbnailUrl}?size=5`, 400, 'invalid_input'],
    ] as const) {
      const res = await server.api.json<ErrorJson>('GET', route);
      expect(res.status, route).toBe(status);
      expect(res.body.error.code).toBe(code);
    }

    // Deleting the person deletes the kept pictures with the enrolled faces.
    const deleted = await server.api.json('DELETE', `/api/people/${person.body.id}`);
    expect([200, 204]).toContain(deleted.status);
    const gone = await server.api.json<ErrorJson>('GET', listed.body.faces[0]?.thumbnailUrl as string);
    expect(gone.status).toBe(404);
  });
});

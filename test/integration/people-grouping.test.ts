import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorJson, ImageJson, IngestJson } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';

interface PersonJson {
  id: string;
  name: string | null;
  suggested: boolean;
  faceCount: number;
  photoCount: number;
  cover: { faceId: string; imageId: string } | null;
}

/** Six small photos: three of one unknown person (axis 0), three of another (axis 1). */
async function photos(): Promise<{ name: string; bytes: Uint8Array; axis: number }[]> {
  return Promise.all(
    Array.from({ length: 6 }, async (_, i) => ({
      name: `p${i}.png`,
      axis: i < 3 ? 0 : 1,
      bytes: await sharp({
        create: { width: 40, height: 40, channels: 3, background: { r: 20 * i, g: 100, b: 200 - 20 * i } },
      })
        .png()
        .toBuffer(),
    })),
  );
}

describe('suggested people over HTTP: grouping, naming, merging, and bad input', () => {
  let server: TestServer;
  let imageIds: string[];
  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  beforeAll(async () => {
    const files = await photos();
    const axisOf = new Map(files.map((f, i) => [sha(f.bytes), { axis: f.axis, jitter: 0.02 * i }]));
    server = await startTestServer(
      {},
      new ScriptedEngine((bytes) => {
        const face = axisOf.get(sha(bytes));
        return face ? [faceAlong(face.axis, face.jitter)] : [];
      }),
    );
    const res = await server.api.upload<IngestJson>('/api/images', files);
    expect(res.status).toBe(201);
    imageIds = res.body.images.map((i) => i.id);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const error = async (method: string, path: string, body: unknown, status: number, code: string) => {
    const res = await server.api.json<ErrorJson>(method, path, body);
    expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(0);
  };

  it('groups the faces of the two unknown people into two suggestions as the photos are processed', async () => {
    const body = await server.api.waitFor<{ people: PersonJson[] }>(
      '/api/people',
      (b) => b.people.filter((p) => p.suggested && p.faceCount === 3).length === 2,
    );
    for (const p of body.people) {
      expect(p).toMatchObject({ name: null, suggested: true, faceCount: 3, photoCount: 3 });
      expect(p.cover).not.toBeNull();
      const thumb = await fetch(`${server.running.url}/api/faces/${p.cover?.faceId}/thumbnail?size=32`, {
        headers: server.api.authHeaders(),
      });
      expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    }
    expect(
      (await server.api.json<{ people: PersonJson[] }>('GET', '/api/people?suggested=false')).body.people,
    ).toEqual([]);
  });

  it('answers bad input with 4xx JSON errors and changes nothing', async () => {
    const [a, b] = (await server.api.json<{ people: PersonJson[] }>('GET', '/api/people?suggested=true')).body
      .people;
    const [aId, bId] = [a?.id as string, b?.id as string];
    await error('GET', '/api/people?suggested=maybe', undefined, 400, 'invalid_input');
    await error('PATCH', '/api/people/grp_nobody', { name: 'X' }, 404, 'not_found');
    await error('PATCH', `/api/people/${aId}`, { name: '   ' }, 400, 'invalid_input');
    await error('PATCH', `/api/people/${aId}`, {}, 400, 'invalid_input');
    await error('POST', `/api/people/${aId}/merge`, { into: aId }, 400, 'invalid_input');
    await error('POST', '/api/people/grp_nobody/merge', { into: bId }, 404, 'not_found');
    await error('POST', `/api/people/${aId}/merge`, { into: 'per_nobody' }, 400, 'invalid_input');
    await error('POST', `/api/people/${aId}/merge`, {}, 400, 'invalid_input');
    await error('POST', `/api/people/${aId}/faces/move`, { faceIds: [], to: bId }, 400, 'invalid_input');
    await error(
      'POST',
      `/api/people/${aId}/faces/reject`,
      { faceIds: [b?.cover?.faceId] },
      400,
      'invalid_input',
    );
    await error(
      'POST',
      `/api/people/${aId}/faces/move`,
      { faceIds: [a?.cover?.faceId], to: bId },
      400,
      'invalid_input',
    );
    await error('GET', '/api/faces/fac_nobody/thumbnail', undefined, 404, 'not_found');
    const after = (await server.api.json<{ people: PersonJson[] }>('GET', '/api/people?suggested=true')).body
      .people;
    expect(after.map((p) => [p.id, p.faceCount])).toEqual([
      [aId, 3],
      [bId, 3],
    ]);
  });

  it('names a suggestion: every face of it is named in every photo; a second suggestion may not take the name', async () => {
    const [a, b] = (await server.api.json<{ people: PersonJson[] }>('GET', '/api/people?suggested=true')).body
      .people;
    const named = await server.api.json<PersonJson>('PATCH', `/api/people/${a?.id}`, {
      name: 'Ada Lovelace',
    });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({ name: 'Ada Lovelace', suggested: false, faceCount: 3, photoCount: 3 });
    const images = await Promise.all(
      imageIds.map((id) => server.api.json<ImageJson>('GET', `/api/images/${id}`)),
    );
    const namedPhotos = images.filter((i) => i.body.people.some((p) => p.name === 'Ada Lovelace'));
    expect(namedPhotos).toHaveLength(3);
    await error('PATCH', `/api/people/${b?.id}`, { name: 'ada lovelace' }, 409, 'conflict');
    await error('POST', `/api/people/${named.body.id}/merge`, { into: b?.id }, 400, 'invalid_input');
    const people = (await server.api.json<{ people: PersonJson[] }>('GET', '/api/people')).body.people;
    expect(people.map((p) => [p.name, p.suggested])).toEqual([
      ['Ada Lovelace', false],
      [null, true],
    ]);
  });

  it('merges the other suggestion into the person: faces and photos follow', async () => {
    const [ada] = (await server.api.json<{ people: PersonJson[] }>('GET', '/api/people?suggested=false')).body
      .people;
    const [b] = (await server.api.json<{ people: PersonJson[] }>('GET', '/api/people?suggested=true')).body
      .people;
    const merged = await server.api.json<PersonJson>('POST', `/api/people/${b?.id}/merge`, { into: ada?.id });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ id: ada?.id, faceCount: 6, photoCount: 6 });
    expect(
      (await server.api.json<{ people: PersonJson[] }>('GET', '/api/people?suggested=true')).body.people,
    ).toEqual([]);
    const regroup = await server.api.json<{ faces: number; groups: number }>('POST', '/api/regroup');
    expect(regroup).toEqual({ status: 200, body: { faces: 0, groups: 0, suggestions: 0 } });
  });
});

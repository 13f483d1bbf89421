import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestJson } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { ScriptedEngine } from '../helpers/scripted-engine.ts';
import { blankJpeg } from '../support/image-fixtures.ts';

interface SystemJson {
  rejectedUploads: { file: string; error: { code: string; message: string }; at: string; more: number }[];
  failures: { file: string }[];
}

describe('files refused at upload are listed on the System page', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ WORKER_CONCURRENCY: '0' }, new ScriptedEngine(() => []));
  });
  afterAll(() => server?.stop());

  it('lists a refused upload with its reason in words, newest first, and counts a big refused import', async () => {
    const photo = await blankJpeg(120, 90);
    const truncated = (
      await sharp({ create: { width: 300, height: 300, channels: 3, background: '#777' } })
        .jpeg()
        .toBuffer()
    ).subarray(0, 400);
    const res = await server.api.upload<IngestJson>('/api/images', [
      { name: 'good.jpg', bytes: photo },
      { name: 'notes.txt', bytes: new TextEncoder().encode('not a photo') },
      { name: 'cut.jpg', bytes: truncated },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.rejected.map((r) => r.file)).toEqual(['notes.txt', 'cut.jpg']);

    const first = await server.api.json<SystemJson>('GET', '/api/system');
    expect(first.body.rejectedUploads.map((r) => [r.file, r.error.code, r.more])).toEqual([
      ['cut.jpg', 'invalid_image', 0],
      ['notes.txt', 'invalid_image', 0],
    ]);
    const cut = first.body.rejectedUploads[0]?.error.message ?? '';
    expect(cut).toMatch(/^the file is not a complete JPEG image/);
    expect(cut).not.toMatch(/vips|:\s*$/i);

    // A folder of 25 text files: 20 are listed, the last saying how many more there were.
    const folder = join(server.importRoot, 'notes');
    mkdirSync(folder);
    for (let i = 0; i < 25; i++) writeFileSync(join(folder, `n${String(i).padStart(2, '0')}.jpg`), 'text');
    const imported = await server.api.json('POST', '/api/images', { path: folder });
    expect(imported.status).toBe(422);
    const after = await server.api.json<SystemJson>('GET', '/api/system');
    expect(after.body.rejectedUploads).toHaveLength(20);
    expect(after.body.rejectedUploads[0]?.more).toBe(5);
    expect(after.body.rejectedUploads.slice(1).every((r) => r.more === 0)).toBe(true);
  });
});

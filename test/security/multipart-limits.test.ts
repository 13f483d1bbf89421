import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorJson, IngestJson } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';
import { type Sql, sqliteReader } from '../helpers/sql-reader.ts';
import { SseClient } from '../helpers/sse-client.ts';

// A multipart upload refused for its size stores nothing at all: the files before the one that broke a
// limit are held back until the whole request has been read, so a 413 leaves no photo row, no blob,
// no queued job and no event behind. The 413 names the limit that was broken.
const MAX_UPLOAD_FILES = 3;
const MAX_UPLOAD_BYTES = 50_000;

const png = (n: number) =>
  sharp({ create: { width: 20, height: 20, channels: 3, background: { r: n, g: 40, b: 200 - n } } })
    .png()
    .toBuffer();

describe('multipart upload limits', () => {
  let server: TestServer;
  let sql: Sql;

  beforeAll(async () => {
    server = await startTestServer(
      {
        MAX_UPLOAD_FILES: String(MAX_UPLOAD_FILES),
        MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
        WORKER_CONCURRENCY: '0',
      },
      new ScriptedEngine(() => [faceAlong(0)]),
    );
    sql = sqliteReader(server.dataDir);
  });
  afterAll(async () => {
    await sql?.close();
    await server?.stop();
  });

  const count = async (table: string) =>
    Number((await sql.rows<{ n: number }>(`select count(*) as n from ${table}`))[0]?.n);

  it('refuses one file more than MAX_UPLOAD_FILES with 413 naming that limit, and stores none of them', async () => {
    const sse = await SseClient.connect(
      `${server.api.baseUrl}/api/events`,
      undefined,
      server.api.authHeaders(),
    );
    try {
      const blobs = server.blobCount();
      const files = await Promise.all(
        Array.from({ length: MAX_UPLOAD_FILES + 1 }, async (_, i) => ({
          name: `p${i}.png`,
          bytes: await png(i * 10),
        })),
      );
      const res = await server.api.upload<ErrorJson>('/api/images', files);
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
      expect(res.body.error.message).toContain('MAX_UPLOAD_FILES');
      expect(res.body.error.message).toContain(String(MAX_UPLOAD_FILES));
      expect(res.body.error.message).not.toContain('MAX_UPLOAD_BYTES');

      // Give anything that was started in the background a moment to show up.
      await new Promise((r) => setTimeout(r, 300));
      const list = await server.api.json<{ images: unknown[] }>('GET', '/api/images');
      expect(list.body.images).toEqual([]);
      expect(server.blobCount()).toBe(blobs);
      expect(await count('images')).toBe(0);
      expect(await count('outbox')).toBe(0);
      expect(await count('jobs')).toBe(0);
      expect(sse.events.filter((e) => e.event === 'image')).toEqual([]);
      // The staged copies are gone too.
      expect(readdirSync(join(server.dataDir, 'staging'))).toEqual([]);
    } finally {
      await sse.close();
    }
  });

  it('accepts exactly MAX_UPLOAD_FILES files', async () => {
    const files = await Promise.all(
      Array.from({ length: MAX_UPLOAD_FILES }, async (_, i) => ({
        name: `ok${i}.png`,
        bytes: await png(100 + i * 10),
      })),
    );
    const res = await server.api.upload<IngestJson>('/api/images', files);
    expect(res.status).toBe(201);
    expect(res.body.images.map((i) => i.file)).toEqual(['ok0.png', 'ok1.png', 'ok2.png']);
    expect(await count('images')).toBe(MAX_UPLOAD_FILES);
  });

  it('names MAX_UPLOAD_BYTES for a file too large, and the field limit for too many fields', async () => {
    const tooBig = await server.api.upload<ErrorJson>('/api/images', [
      { name: 'big.png', bytes: new Uint8Array(MAX_UPLOAD_BYTES + 1000) },
    ]);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.message).toContain(`MAX_UPLOAD_BYTES (${MAX_UPLOAD_BYTES} bytes)`);
    const form = new FormData();
    for (let i = 0; i < 60; i++) form.append(`field${i}`, 'x');
    const fields = await fetch(`${server.api.baseUrl}/api/images`, {
      method: 'POST',
      body: form,
      headers: server.api.authHeaders(),
    });
    const body = (await fields.json()) as ErrorJson;
    expect(fields.status).toBe(413);
    expect(body.error.message).toMatch(/form fields/);
    expect(body.error.message).not.toContain('MAX_UPLOAD');
  });
});

import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorJson } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';

// /readyz must notice when the process can no longer do file-system work, not only that its event loop
// turns: every libuv thread is made to wait on opening a FIFO nobody writes to (as a hung disk would),
// and /readyz answers 503 within its bound (1.5 s) instead of hanging or saying "ready".
const THREADS = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

describe('/readyz checks the file system, within a bound', () => {
  let server: TestServer;
  let fifoDir: string;

  beforeAll(async () => {
    server = await startTestServer({ WORKER_CONCURRENCY: '0' }, new ScriptedEngine(() => [faceAlong(0)]));
    fifoDir = mkdtempSync(join(tmpdir(), 'faceflow-fifo-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(fifoDir, { recursive: true, force: true });
  });

  const readyz = async () => {
    const started = Date.now();
    const res = await fetch(`${server.api.baseUrl}/readyz`);
    return { status: res.status, body: (await res.json()) as ErrorJson, ms: Date.now() - started };
  };

  it('is ready while the file system answers', async () => {
    const res = await readyz();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready' });
  });

  it('answers 503 JSON within the bound while every libuv thread is stuck, and 200 once they are free', async () => {
    const fifos = Array.from({ length: THREADS }, (_, i) => join(fifoDir, `f${i}`));
    for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
    // Opening a FIFO for reading blocks (on a pool thread) until a writer opens it.
    const readers: Promise<FileHandle>[] = fifos.map((fifo) => open(fifo, 'r'));
    try {
      await new Promise((r) => setTimeout(r, 100));
      const res = await readyz();
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('unavailable');
      expect(res.body.error.message).toMatch(/file system/);
      expect(res.ms).toBeLessThan(3000);
      // A second check does not queue another probe behind the stuck one: it answers at once.
      const again = await readyz();
      expect(again.status).toBe(503);
      expect(again.ms).toBeLessThan(1000);
    } finally {
      // A writer for each FIFO frees the threads.
      const writers = fifos.map((fifo) => openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      for (const handle of await Promise.all(readers)) await handle.close();
      for (const fd of writers) closeSync(fd);
    }
    const deadline = Date.now() + 5000;
    let last = await readyz();
    while (last.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      last = await readyz();
    }
    expect(last.status).toBe(200);
  });
});

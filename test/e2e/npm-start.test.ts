import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ApiClient, type IngestJson } from '../helpers/api-client.ts';
import { lfw } from '../helpers/faces.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

const REPO = resolve(import.meta.dirname, '../..');

/**
 * The README path: `npm start` in the repository (in CI a clean clone after `npm ci`) starts everything,
 * answers /readyz, and a photo uploaded through the API ends `processed`.
 * `.ci/npm-start-smoke.sh` does the same from a fresh `git clone` + `npm ci`.
 */
describeWithFaces('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceflow-npm-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the whole pipeline with no server to install and processes a photo', async () => {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: REPO,
      // What a person at a terminal gets (LOG_FORMAT=auto picks it when stdout is a TTY; here a pipe).
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: '0',
        ENGINE_THREADS: '1',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'pretty',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? signal)));
    try {
      const deadline = Date.now() + 90_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline) {
        url = /faceflow is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, out).toBeDefined();
      // The first-run step the README describes: the printed one-time link creates the first admin.
      let setup: RegExpExecArray | null = null;
      while (!setup && Date.now() < deadline) {
        setup = /Open (http:\/\/\S+)\/setup#token=(\S+) to create the first admin account/.exec(out);
        if (!setup) await new Promise((r) => setTimeout(r, 100));
      }
      expect(setup?.[1], out).toBe(url);
      // The link is the last line of the start-up, where a person looks, and no log line is JSON.
      const startup = out.trimEnd().split('\n');
      expect(startup.at(-1), out).toMatch(/^Open http:\/\/\S+\/setup#token=/);
      expect(
        startup.filter((line) => line.startsWith('{')),
        out,
      ).toEqual([]);
      expect(out).toMatch(/INFO.*faceflow started/);
      // `curl http://…/` (Accept: */*) gets the UI, not a JSON 404.
      const home = await fetch(`${url}/`, { headers: { accept: '*/*' } });
      expect([home.status, home.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await home.text()).toContain('<!doctype html>');
      const created = await new ApiClient(url as string).json<{ accessToken: string }>(
        'POST',
        '/api/auth/setup',
        {
          token: setup?.[2],
          name: 'first-admin',
          password: 'first-admin-password',
        },
      );
      expect(created.status).toBe(200);
      const api = new ApiClient(url as string, created.body.accessToken);
      await api.waitFor('/readyz', () => true, 30_000);
      const res = await api.upload<IngestJson>('/api/images', [{ name: 'one.jpg', bytes: lfw('AJ_Cook') }]);
      expect(res.status).toBe(201);
      const id = res.body.images[0]?.id;
      const image = await api.waitFor<{ status: string; faces: unknown[] }>(
        `/api/images/${id}`,
        (b) => b.status === 'processed',
        60_000,
      );
      expect(image.faces).toHaveLength(1);
      // Dozens of requests were answered: none of them wrote a line at LOG_LEVEL=info.
      expect(
        out.split('\n').filter((line) => /: request\b|"msg":"request"|"method":"(GET|POST)"/.test(line)),
        out,
      ).toEqual([]);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
  });
});

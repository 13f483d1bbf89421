import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DatasetServer, serveFile, startDatasetServer } from '../helpers/dataset-server.ts';
import { makeTar } from '../support/archives.ts';
import { describeWithFaces } from '../support/shared-faces.ts';
import { jobIdFrom, runCli, spawnCli, waitUntil } from './cli-process.ts';
import { lfwSubset } from './lfw-subset.ts';

describeWithFaces('faceflow average <url>', () => {
  let dir: string;
  let datasets: DatasetServer;
  let slowFirst = true;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-avg-url-'));
    const entries = await Promise.all(
      lfwSubset(4, 211).map(async (p, i) => ({
        name: `lfw/${i}.jpg`,
        data: new Uint8Array(await readFile(p)),
      })),
    );
    const tarGz = await makeTar(entries, true);
    datasets = await startDatasetServer((req, res) => {
      const route = (req.url ?? '').split('?')[0];
      if (route === '/faces.tar.gz') return serveFile(req, res, tarGz);
      if (route === '/slow.tar.gz') {
        const slow = slowFirst;
        slowFirst = false;
        return serveFile(req, res, tarGz, slow ? { pieceBytes: 2048, pieceDelayMs: 150 } : {});
      }
      if (route === '/to-private') {
        res.writeHead(301, { location: `http://localhost:${datasets.port}/faces.tar.gz` });
        return void res.end();
      }
      res.writeHead(404);
      res.end();
    });
  });
  afterAll(async () => {
    await datasets?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const env = (data: string, allow = `127.0.0.1:${datasets.port},localhost:${datasets.port}`) => ({
    DATA_DIR: path.join(dir, data),
    DATASET_URL_ALLOW: allow,
  });

  it('averages an archive downloaded from an allowed host', async () => {
    const result = await runCli(
      ['average', datasets.url('/faces.tar.gz?sig=abc'), '--workers', '1', '--json'],
      env('ok'),
    );
    expect(result.stderr).not.toMatch(/sig=abc/);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout) as {
      source: string;
      counts: { photos: number; faces: number };
    };
    expect(document.source).toBe(`http://127.0.0.1:${datasets.port}/faces.tar.gz`);
    expect(document.counts.photos).toBe(4);
    expect(document.counts.faces).toBeGreaterThanOrEqual(4);
  });

  it('a killed download is finished by --resume with a range request, with the same photos', async () => {
    const first = spawnCli(['average', datasets.url('/slow.tar.gz'), '--workers', '0'], env('resume'));
    await waitUntil(() => jobIdFrom(first.stderr()) !== null, 'the job id', 30_000);
    const jobId = jobIdFrom(first.stderr()) as string;
    const part = path.join(dir, 'resume', 'imports', 'downloads', `${jobId}.part`);
    await waitUntil(
      () => existsSync(part) && statSync(part).size > 8192,
      'part of the download on disk',
      30_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const resumed = await runCli(['average', '--resume', jobId, '--workers', '1', '--json'], env('resume'));
    expect(resumed.code).toBe(0);
    expect((JSON.parse(resumed.stdout) as { counts: { photos: number } }).counts.photos).toBe(4);
    const slow = datasets.seen.filter((s) => s.path === '/slow.tar.gz');
    expect(slow).toHaveLength(2);
    expect(slow[1]?.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(existsSync(part)).toBe(false);
  });

  it('bad URLs: a clear message and exit code 1', async () => {
    const off = await runCli(['average', datasets.url('/faces.tar.gz'), '--workers', '0'], env('bad', ''));
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/data sets from a URL are turned off: set DATASET_URL_ALLOW .* \(forbidden\)/);
    const redirect = await runCli(['average', datasets.url('/to-private'), '--workers', '0'], env('bad'));
    expect(redirect.code).toBe(1);
    expect(redirect.stderr).toMatch(
      /resolves to (127\.0\.0\.1|::1), a loopback address \(SSRF protection\) \(forbidden\)/,
    );
    const missing = await runCli(
      ['average', datasets.url('/nothing.zip'), '--workers', '0', '--json'],
      env('bad'),
    );
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: {
        code: 'invalid_input',
        message: `cannot download http://127.0.0.1:${datasets.port}/nothing.zip: the server answered 404 Not Found`,
      },
    });
    const badAllow = await runCli(['average', datasets.url('/faces.tar.gz')], {
      ...env('bad'),
      DATASET_URL_ALLOW: 'https://example.org',
    });
    expect(badAllow.code).toBe(1);
    expect(badAllow.stderr).toMatch(/DATASET_URL_ALLOW: .*without a scheme or path/);
  });
});

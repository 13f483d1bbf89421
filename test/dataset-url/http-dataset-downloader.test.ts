import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TarZipArchiveReader } from '../../src/adapters/archives-tar-zip/archive-reader.tar-zip.ts';
import {
  HttpDatasetDownloader,
  type HttpDatasetDownloaderOptions,
} from '../../src/adapters/dataset-url/http-dataset-downloader.ts';
import { type DatasetItem, readArchiveStream } from '../../src/app/average/dataset-reader.ts';
import { type AllowedHost, parseAllowedHost } from '../../src/core/host-allow-list.ts';
import type { OpenedDownload } from '../../src/ports/dataset-download.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import {
  type DatasetServer,
  rawAnswer,
  serveFile,
  startDatasetServer,
  startRawServer,
} from '../helpers/dataset-server.ts';
import { makeTar, makeZip } from '../support/archives.ts';

const archives = new TarZipArchiveReader();

/** Bytes that sniff as a JPEG (the reader checks magic numbers, not pixels). */
function fakePhoto(size: number): Uint8Array {
  const bytes = randomBytes(size);
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  return new Uint8Array(bytes);
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function drain(download: OpenedDownload): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of download.bytes()) parts.push(Buffer.from(piece));
  return Buffer.concat(parts);
}

async function itemsOf(download: OpenedDownload, maxEntryBytes = 10 * 1024 * 1024): Promise<DatasetItem[]> {
  const items: DatasetItem[] = [];
  const archive = {
    kind: download.kind,
    bytes: download.bytes(),
    file: download.file,
    label: download.label,
  };
  for await (const item of readArchiveStream(archive, { maxEntryBytes, archives })) items.push(item);
  return items;
}

describe('downloading a data set over HTTP', () => {
  let spool: string;
  let photos: Uint8Array[];
  let tarGz: Buffer;
  const servers: DatasetServer[] = [];

  beforeAll(async () => {
    spool = await mkdtemp(path.join(tmpdir(), 'faceflow-download-'));
    photos = Array.from({ length: 6 }, (_, i) => fakePhoto(40_000 + i * 1000));
    tarGz = await makeTar(
      photos.map((data, i) => ({ name: `faces/p${i}.jpg`, data })),
      true,
    );
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await rm(spool, { recursive: true, force: true });
  });

  const serve = async (handler: Parameters<typeof startDatasetServer>[0]) => {
    const server = await startDatasetServer(handler);
    servers.push(server);
    return server;
  };
  const raw = async (answer: Parameters<typeof startRawServer>[0]) => {
    const server = await startRawServer(answer);
    servers.push(server);
    return server;
  };
  const allowOf = (...entries: string[]) => entries.map((e) => parseAllowedHost(e) as AllowedHost);
  const downloader = (allow: AllowedHost[], overrides: Partial<HttpDatasetDownloaderOptions> = {}) =>
    new HttpDatasetDownloader({
      allow,
      spoolDir: spool,
      maxBytes: 50 * 1024 * 1024,
      timeoutMs: 60_000,
      idleTimeoutMs: 5_000,
      retries: 3,
      log: silentLogger,
      ...overrides,
    });
  let keys = 0;
  const key = () => `job_${++keys}`;

  it('streams the archive to a local copy, the kind sniffed from its bytes (not its name)', async () => {
    const server = await serve((req, res) => serveFile(req, res, tarGz, { contentType: 'text/html' }));
    const download = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
      server.url('/x.zip?sig=s3cret'),
      key(),
    );
    expect(download.kind).toBe('tar.gz');
    expect(download.totalBytes).toBe(tarGz.length);
    expect(download.label).toBe(`http://127.0.0.1:${server.port}/x.zip`);
    const items = await itemsOf(download);
    expect(items.map((i) => i.kind)).toEqual(photos.map(() => 'photo'));
    expect(items.map((i) => (i.kind === 'photo' ? sha(i.bytes) : ''))).toEqual(photos.map(sha));
    await download.remove();
    expect(existsSync(download.file)).toBe(false);
  });

  it('gives out photos while the download is still running (a slow server)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const plainTar = await makeTar(photos.map((data, i) => ({ name: `p${i}.jpg`, data })));
    const server = await serve((req, res) =>
      serveFile(req, res, plainTar, {
        pieceBytes: 8 * 1024,
        pieceDelayMs: 2,
        holdAt: Math.floor(plainTar.length / 2),
        gate,
      }),
    );
    const download = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
      server.url('/faces.tar'),
      key(),
    );
    const archive = {
      kind: download.kind,
      bytes: download.bytes(),
      file: download.file,
      label: download.label,
    };
    const reading = readArchiveStream(archive, { maxEntryBytes: 10 * 1024 * 1024, archives });
    const first = await reading.next();
    // the server still holds the second half back: the first photo came out of a download under way
    expect(first.value).toMatchObject({ kind: 'photo', entry: 'p0.jpg' });
    release();
    let rest = 0;
    for await (const item of reading) if (item.kind === 'photo') rest++;
    expect(rest).toBe(photos.length - 1);
    await download.remove();
  });

  it('resumes a dropped connection with a range request for the same version, and loses or repeats no byte', async () => {
    const server = await serve((req, res, index) =>
      serveFile(req, res, tarGz, { pieceBytes: 16 * 1024, ...(index === 0 ? { dropAfter: 100_000 } : {}) }),
    );
    const download = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
      server.url('/faces.tar.gz'),
      key(),
    );
    const progress: number[] = [];
    const parts: Buffer[] = [];
    for await (const piece of download.bytes((p) => progress.push(p.bytes))) parts.push(Buffer.from(piece));
    expect(sha(Buffer.concat(parts))).toBe(sha(tarGz));
    expect(server.seen).toHaveLength(2);
    expect(server.seen[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(server.seen[1]?.range ?? '')?.[0])).toBeGreaterThan(0);
    expect(server.seen[1]?.ifRange).toBe('"v1"');
    expect(progress.at(-1)).toBe(tarGz.length);
    expect(sha(await readFile(download.file))).toBe(sha(tarGz));
    await download.remove();
  });

  it('a server that ignores ranges: the whole file again, the part already here compared and skipped', async () => {
    const server = await serve((req, res, index) =>
      serveFile(req, res, tarGz, { ranges: false, ...(index === 0 ? { dropAfter: 70_000 } : {}) }),
    );
    const download = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
      server.url('/faces.tar.gz'),
      key(),
    );
    const items = await itemsOf(download);
    expect(items.filter((i) => i.kind === 'photo')).toHaveLength(photos.length);
    expect(server.seen[1]?.range).toMatch(/^bytes=/);
    await download.remove();
  });

  it('a file that changed on the server between two attempts fails clearly instead of mixing versions', async () => {
    const other = Buffer.from(tarGz);
    other[other.length - 100] = (other[other.length - 100] as number) ^ 0xff;
    other[10] = (other[10] as number) ^ 0xff;
    const server = await serve((req, res, index) =>
      index === 0
        ? serveFile(req, res, tarGz, { dropAfter: 70_000 })
        : serveFile(req, res, other, { etag: '"v2"' }),
    );
    const download = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
      server.url('/faces.tar.gz'),
      key(),
    );
    await expect(drain(download)).rejects.toThrow(/changed on the server while it was being downloaded/);
    await download.remove();
  });

  it('a download stopped (a killed process) resumes from the part kept on disk', async () => {
    const server = await serve((req, res) =>
      serveFile(req, res, tarGz, { pieceBytes: 16 * 1024, pieceDelayMs: 5 }),
    );
    const spoolKey = key();
    const first = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
      server.url('/faces.tar.gz'),
      spoolKey,
    );
    let got = 0;
    for await (const piece of first.bytes()) {
      got += piece.length;
      if (got > 60_000) break;
    }
    await first.close();
    const again = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
      server.url('/faces.tar.gz'),
      spoolKey,
    );
    expect(sha(await drain(again))).toBe(sha(tarGz));
    expect(server.seen[1]?.range).toMatch(/^bytes=[1-9]\d*-$/);
    await again.remove();
  });

  it('a server that stalls is resumed, and given up on after the retries with a clear error', async () => {
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-length': String(tarGz.length), etag: '"v1"' });
      res.write(tarGz.subarray(0, 4096));
      // … and nothing more
    });
    const download = await downloader(allowOf(`127.0.0.1:${server.port}`), {
      idleTimeoutMs: 300,
      retries: 1,
    }).open(server.url('/faces.tar.gz'), key());
    await expect(drain(download)).rejects.toThrow(
      /broke off at byte 4096 of \d+ and 1 attempts to resume it failed/,
    );
    await download.remove();
  });

  it('a server that answers but sends no byte: a clear error, no job to start', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.flushHeaders();
    });
    await expect(
      downloader(allowOf(`127.0.0.1:${server.port}`), { idleTimeoutMs: 300 }).open(
        server.url('/a.tar'),
        key(),
      ),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/a\.tar: the first bytes did not arrive \(no data for 300 ms\)/),
    });
  });

  it('a download that takes longer than DATASET_URL_TIMEOUT_MS fails', async () => {
    const server = await serve((req, res) =>
      serveFile(req, res, tarGz, { pieceBytes: 1024, pieceDelayMs: 50 }),
    );
    const download = await downloader(allowOf(`127.0.0.1:${server.port}`), { timeoutMs: 1000 }).open(
      server.url('/faces.tar.gz'),
      key(),
    );
    await expect(drain(download)).rejects.toThrow(/took longer than DATASET_URL_TIMEOUT_MS \(1000 ms\)/);
    await download.remove();
  });

  it('a server that announces more bytes than it sends: resumed, then refused clearly', async () => {
    const announced = tarGz.length + 5000;
    const server = await raw((request) => {
      const from = Number(/range: bytes=(\d+)-/i.exec(request)?.[1] ?? Number.NaN);
      if (Number.isNaN(from))
        return rawAnswer('200 OK', { 'content-length': String(announced), etag: '"v1"' }, tarGz);
      if (from >= tarGz.length)
        return rawAnswer(
          '416 Range Not Satisfiable',
          { 'content-range': `bytes */${announced}` },
          new Uint8Array(),
        );
      return rawAnswer(
        '206 Partial Content',
        {
          'content-range': `bytes ${from}-${announced - 1}/${announced}`,
          'content-length': String(announced - from),
          etag: '"v1"',
        },
        tarGz.subarray(from),
      );
    });
    const download = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
      server.url('/faces.tar.gz'),
      key(),
    );
    await expect(drain(download)).rejects.toThrow(
      new RegExp(
        `refuses to send the rest from byte ${tarGz.length} of the ${tarGz.length + 5000} it announced \\(416\\)`,
      ),
    );
    await download.remove();
  });

  it('a server that sends more bytes than it announces: only the announced ones are read, and the cut archive is refused as corrupt', async () => {
    const server = await raw(() =>
      rawAnswer('200 OK', { 'content-length': String(Math.floor(tarGz.length / 2)) }, tarGz),
    );
    const download = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
      server.url('/faces.tar.gz'),
      key(),
    );
    await expect(itemsOf(download)).rejects.toThrow(/corrupt archive faces\.tar\.gz: /);
    expect((await readFile(download.file)).length).toBe(Math.floor(tarGz.length / 2));
    await download.remove();
  });

  it('refuses a download larger than DATASET_URL_MAX_BYTES, announced or not', async () => {
    const announced = await serve((req, res) => serveFile(req, res, tarGz));
    await expect(
      downloader(allowOf(`127.0.0.1:${announced.port}`), { maxBytes: 100_000 }).open(
        announced.url('/a.tar.gz'),
        key(),
      ),
    ).rejects.toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/more than DATASET_URL_MAX_BYTES \(100000\)/),
    });
    const chunked = await serve((req, res) => serveFile(req, res, tarGz, { chunked: true }));
    const download = await downloader(allowOf(`127.0.0.1:${chunked.port}`), { maxBytes: 100_000 }).open(
      chunked.url('/a.tar.gz'),
      key(),
    );
    await expect(drain(download)).rejects.toMatchObject({ code: 'payload_too_large' });
    await download.remove();
  });

  it('refuses what is not a tar, tar.gz or zip archive, whatever its name', async () => {
    const server = await serve((req, res) =>
      serveFile(req, res, Buffer.from(`<!DOCTYPE html><html>${'x'.repeat(2000)}</html>`), {
        contentType: 'application/gzip',
      }),
    );
    const open = downloader(allowOf(`127.0.0.1:${server.port}`)).open(server.url('/faces.tar.gz'), key());
    await expect(open).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(
        /is not a \.tar, \.tar\.gz or \.zip archive \(it starts with "<!DOCTYPE html><"\)/,
      ),
    });
    const left = await readdir(spool);
    expect(left).not.toContain(`job_${keys}.part`);
    expect(left).not.toContain(`job_${keys}.part.json`);
  });

  it('an error status from the server is an error in words', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(404);
      res.end('no');
    });
    await expect(
      downloader(allowOf(`127.0.0.1:${server.port}`)).open(server.url('/gone.tar'), key()),
    ).rejects.toThrow(
      /cannot download http:\/\/127\.0\.0\.1:\d+\/gone\.tar: the server answered 404 Not Found/,
    );
  });

  describe('SSRF', () => {
    it('refuses a host name that resolves to a loopback address (only the address itself can be allowed)', async () => {
      const server = await serve((req, res) => serveFile(req, res, tarGz));
      await expect(
        downloader(allowOf(`localhost:${server.port}`)).open(
          `http://localhost:${server.port}/a.tar.gz`,
          key(),
        ),
      ).rejects.toMatchObject({
        code: 'forbidden',
        message: expect.stringMatching(/localhost:\d+ resolves to (127\.0\.0\.1|::1), a loopback address/),
      });
      expect(server.seen).toHaveLength(0);
    });

    it('checks every redirect against the allow list and the address rules', async () => {
      const target = await serve((req, res) => serveFile(req, res, tarGz));
      const redirects: Record<string, string> = {
        '/to-name': `http://localhost:${target.port}/a.tar.gz`,
        '/to-unlisted': `http://127.0.0.1:${target.port}/a.tar.gz`,
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
        '/to-file': 'file:///etc/passwd',
      };
      const origin = await serve((req, res) => {
        res.writeHead(302, { location: redirects[req.url ?? ''] ?? '/' });
        res.end();
      });
      const d = downloader(allowOf(`127.0.0.1:${origin.port}`, `localhost:${target.port}`));
      await expect(d.open(origin.url('/to-name'), key())).rejects.toMatchObject({
        code: 'forbidden',
        message: expect.stringMatching(/resolves to (127\.0\.0\.1|::1), a loopback address/),
      });
      await expect(d.open(origin.url('/to-unlisted'), key())).rejects.toMatchObject({
        code: 'forbidden',
        message: expect.stringMatching(
          /refused the redirect to http:\/\/127\.0\.0\.1:\d+\/a\.tar\.gz: .* is not in DATASET_URL_ALLOW/,
        ),
      });
      await expect(d.open(origin.url('/to-metadata'), key())).rejects.toMatchObject({
        code: 'forbidden',
        message: expect.stringMatching(
          /refused the redirect to http:\/\/169\.254\.169\.254\/latest\/meta-data\/: 169\.254\.169\.254 is not in DATASET_URL_ALLOW/,
        ),
      });
      await expect(d.open(origin.url('/to-file'), key())).rejects.toMatchObject({
        message: expect.stringMatching(/refused the redirect to file:/),
      });
      expect(target.seen).toHaveLength(0);
    });

    it('refuses a URL off the list, or any URL while the list is empty, before connecting', async () => {
      const server = await serve((req, res) => serveFile(req, res, tarGz));
      await expect(downloader([]).open(server.url('/a.tar.gz'), key())).rejects.toMatchObject({
        code: 'forbidden',
      });
      await expect(
        downloader(allowOf('example.org')).open(server.url('/a.tar.gz'), key()),
      ).rejects.toMatchObject({
        code: 'forbidden',
      });
      expect(server.seen).toHaveLength(0);
    });
  });

  describe('compression bombs', () => {
    it('a zip entry that inflates a thousandfold is skipped unread; one that lies about its size stops the job', async () => {
      const zeros = new Uint8Array(64 * 1024 * 1024);
      zeros.set([0xff, 0xd8, 0xff]);
      const honest = makeZip([
        { name: 'bomb.jpg', data: zeros, deflate: true },
        { name: 'real.jpg', data: photos[0] },
      ]);
      const liar = makeZip([{ name: 'bomb.jpg', data: zeros, deflate: true, declaredSize: 4096 }]);
      const server = await serve((req, res) =>
        serveFile(req, res, req.url === '/honest.zip' ? honest : liar),
      );
      const d = downloader(allowOf(`127.0.0.1:${server.port}`));
      const items = await itemsOf(await d.open(server.url('/honest.zip'), key()), 100 * 1024 * 1024);
      expect(items).toEqual([
        expect.objectContaining({
          kind: 'skip',
          entry: 'bomb.jpg',
          reason: 'too_large',
          message: expect.stringMatching(/compression bomb/),
        }),
        expect.objectContaining({ kind: 'photo', entry: 'real.jpg' }),
      ]);
      await expect(itemsOf(await d.open(server.url('/liar.zip'), key()))).rejects.toThrow(
        /corrupt archive liar\.zip: /,
      );
    });

    it('a tar.gz that inflates like a bomb stops the job', async () => {
      const bomb = gzipSync(await makeTar([{ name: 'huge.jpg', data: new Uint8Array(64 * 1024 * 1024) }]));
      const server = await serve((req, res) => serveFile(req, res, bomb));
      const download = await downloader(allowOf(`127.0.0.1:${server.port}`)).open(
        server.url('/bomb.tar.gz'),
        key(),
      );
      await expect(itemsOf(download, 1024)).rejects.toThrow(
        /corrupt archive bomb\.tar\.gz: .*compression bomb/,
      );
    });
  });
});

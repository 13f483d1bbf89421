import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeZip } from '../support/archives.ts';
import { describeWithFaces } from '../support/shared-faces.ts';
import { runCli } from './cli-process.ts';
import { lfwSubset } from './lfw-subset.ts';

describeWithFaces('faceflow average: bad input', () => {
  let dir: string;
  const env = () => ({ DATA_DIR: path.join(dir, 'data') });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-avg-bad-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an empty data set: a clear error and a non-zero exit', async () => {
    await mkdir(path.join(dir, 'empty'));
    const result = await runCli(['average', path.join(dir, 'empty'), '--workers', '0'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the data set is empty: no files found \(no_images\)/);
  });

  it('no photo with a face: a clear error and a non-zero exit; non-image files are counted as skipped', async () => {
    const folder = path.join(dir, 'faceless');
    await mkdir(folder);
    for (const [i, colour] of ['#808080', '#204060'].entries())
      await sharp({ create: { width: 200, height: 160, channels: 3, background: colour } })
        .jpeg()
        .toFile(path.join(folder, `blank-${i}.jpg`));
    await writeFile(path.join(folder, 'notes.txt'), 'not a photo');
    const result = await runCli(['average', folder, '--workers', '1', '--json'], env());
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: 'no_face', message: 'no photo of the data set had a usable face (3 entries read)' },
    });
  });

  it('a corrupt archive: a clear error and a non-zero exit', async () => {
    const good = makeZip([
      { name: 'a.jpg', data: new Uint8Array(await readFile(lfwSubset(1)[0] as string)) },
    ]);
    await writeFile(path.join(dir, 'broken.zip'), good.subarray(0, good.length - 30));
    const result = await runCli(['average', path.join(dir, 'broken.zip'), '--workers', '0'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/corrupt archive broken\.zip: .+ \(invalid_input\)/);
  });

  it('zip-slip entries are rejected and reported, never written; non-image and unreadable entries skipped, the job carries on', async () => {
    const photos = lfwSubset(3, 101);
    const bytes = await Promise.all(photos.map(async (p) => new Uint8Array(await readFile(p))));
    const zip = makeZip([
      { name: 'faces/one.jpg', data: bytes[0] },
      { name: '../escaped.jpg', data: bytes[1] },
      { name: '/var/absolute.jpg', data: bytes[1] },
      { name: 'faces/readme.txt', data: new TextEncoder().encode('hello') },
      { name: 'faces/truncated.jpg', data: (bytes[2] as Uint8Array).subarray(0, 400) },
      { name: 'faces/two.jpg', data: bytes[2] },
    ]);
    const sub = path.join(dir, 'zips');
    await mkdir(sub);
    await writeFile(path.join(sub, 'set.zip'), zip);
    const out = path.join(dir, 'result.json');
    const result = await runCli(
      ['average', path.join(sub, 'set.zip'), '--workers', '1', '--json', '--out', out],
      env(),
    );
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(document);
    expect(document.rejectedEntries).toEqual([
      { entry: '../escaped.jpg', reason: 'unsafe_path' },
      { entry: '/var/absolute.jpg', reason: 'unsafe_path' },
    ]);
    expect(document.counts).toMatchObject({
      photos: 4,
      photosUsed: 2,
      faces: 2,
      rejected: 2,
      skipped: { unreadable: 1, not_an_image: 1, no_face: 0, too_large: 0 },
    });
    expect(document.skippedEntries.map((s: { entry: string }) => s.entry)).toEqual([
      'faces/readme.txt',
      'faces/truncated.jpg',
    ]);
    for (const place of [dir, sub, path.dirname(dir), '/tmp'])
      expect(
        existsSync(path.join(place, 'escaped.jpg')) || existsSync(path.join(place, 'absolute.jpg')),
      ).toBe(false);
  });
});

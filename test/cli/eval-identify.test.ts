import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';
import { describeWithFaces, LFW_DEV } from '../support/shared-faces.ts';

interface EvalIdentifyJson {
  galleryPeople: number;
  mated: number;
  nonMated: number;
  rank1: number;
  fpir: number;
  fnir: number;
  threshold: number;
  fnirAtFpir1e2: number;
  fnirAtFpir1e3: number;
  photos: number;
  photosWithoutFace: number;
  subGalleries: { people: number; fpir: number; threshold: number }[];
}

describeWithFaces('faceflow eval-identify on the first lfw-dev people', () => {
  it('runs the open-set protocol on --people 8 and reports the operating point as JSON', async () => {
    const result = await runCli([
      'eval-identify',
      '--root',
      LFW_DEV,
      '--people',
      '8',
      '--json',
      '--cpus',
      process.env.ENGINE_THREADS ?? '1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as EvalIdentifyJson;
    // People 0, 2, 4, 6 of the first 8 are enrolled (4); 1, 3, 5, 7 are strangers (6 photos).
    expect(report).toMatchObject({
      galleryPeople: 4,
      mated: 21,
      nonMated: 6,
      photos: 31,
      photosWithoutFace: 0,
    });
    for (const rate of ['rank1', 'fpir', 'fnir', 'fnirAtFpir1e2', 'fnirAtFpir1e3'] as const) {
      expect(report[rate]).toBeGreaterThanOrEqual(0);
      expect(report[rate]).toBeLessThanOrEqual(1);
    }
    expect(report.rank1).toBeGreaterThanOrEqual(0.9);
    expect(report.subGalleries.map((g) => g.people)).toEqual([1]);
    expect(report.subGalleries[0]?.threshold).toBeGreaterThanOrEqual(report.threshold);
  });
});

describe('faceflow eval-identify: bad input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-eval-identify-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names the missing --root and exits non-zero', async () => {
    const result = await runCli(['eval-identify', '--cpus', '1']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--root/);
  });

  it('rejects --people below 2 and a folder without person folders, before starting the engine', async () => {
    const people = await runCli(['eval-identify', '--root', dir, '--people', '1', '--json']);
    expect(people.code).toBe(1);
    expect(JSON.parse(people.stdout)).toMatchObject({ error: { code: 'invalid_input' } });
    const empty = await runCli(['eval-identify', '--root', dir, '--json']);
    expect(empty.code).toBe(1);
    expect(JSON.parse(empty.stdout)).toMatchObject({ error: { code: 'no_images' } });
    const missing = await runCli(['eval-identify', '--root', path.join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope/);
  });
});

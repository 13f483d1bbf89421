import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';
import { describeWithFaces, ORL } from '../support/shared-faces.ts';

const PEOPLE = Array.from({ length: 12 }, (_, i) => `s${i + 1}`);

describeWithFaces('faceflow identify on the ORL faces', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-orl-'));
    for (const person of PEOPLE) {
      await mkdir(path.join(dir, 'known', person), { recursive: true });
      for (const k of [1, 2, 3, 4, 5])
        await symlink(path.join(ORL, person, `${k}.pgm`), path.join(dir, 'known', person, `${k}.pgm`));
    }
    await mkdir(path.join(dir, 'unknown'));
    for (const person of PEOPLE)
      for (const k of [8, 10])
        await symlink(path.join(ORL, person, `${k}.pgm`), path.join(dir, 'unknown', `${person}-${k}.pgm`));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names the right person for held-back photos after enrolling the others', async () => {
    const result = await runCli([
      'identify',
      path.join(dir, 'known'),
      path.join(dir, 'unknown'),
      '--json',
      '--cpus',
      process.env.ENGINE_THREADS ?? '1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{
      file: string;
      faces: Array<{ person: string | null }>;
    }>;
    expect(rows).toHaveLength(PEOPLE.length * 2);
    let right = 0;
    for (const row of rows) {
      const truth = path.basename(row.file).split('-')[0];
      expect(row.faces.length).toBeGreaterThanOrEqual(1);
      if (row.faces[0]?.person === truth) right++;
    }
    expect(right / rows.length).toBeGreaterThanOrEqual(0.9);
  });

  it('prints face_recognition-style lines with --show-distance', async () => {
    const unknown = path.join(dir, 'unknown', 's3-8.pgm');
    const result = await runCli([
      'identify',
      path.join(dir, 'known'),
      unknown,
      '--show-distance',
      '--cpus',
      '1',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(
      new RegExp(`^${unknown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},s3,0\\.\\d{4}$`),
    );
  });
});

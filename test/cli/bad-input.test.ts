import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngClaiming } from '../support/image-fixtures.ts';
import { runCli } from '../support/run-cli.ts';

describe('faceflow CLI: bad input gives a typed error and a non-zero exit', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-cli-'));
    const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#777' } })
      .jpeg()
      .toBuffer();
    await writeFile(path.join(dir, 'not-an-image.jpg'), 'just some text, not a photo');
    await writeFile(path.join(dir, 'empty.jpg'), new Uint8Array());
    await writeFile(path.join(dir, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
    await writeFile(path.join(dir, 'bomb.png'), pngClaiming(60000, 60000));
    await writeFile(path.join(dir, 'locked.jpg'), jpeg);
    await chmod(path.join(dir, 'locked.jpg'), 0o000);
    await mkdir(path.join(dir, 'no-images'));
    await writeFile(path.join(dir, 'no-images', 'notes.txt'), 'hello');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const cases: Array<[string, string]> = [
    ['not-an-image.jpg', 'invalid_image'],
    ['empty.jpg', 'invalid_image'],
    ['truncated.jpg', 'invalid_image'],
    ['bomb.png', 'image_too_large'],
  ];
  for (const [file, code] of cases) {
    it(`detect ${file} → ${code}`, async () => {
      const json = await runCli(['detect', path.join(dir, file), '--json', '--cpus', '1']);
      expect(json.code).toBe(1);
      // Nothing could be analysed: the README's error shape, the file named in the message.
      expect(JSON.parse(json.stdout)).toEqual({
        error: { code, message: expect.stringContaining(path.join(dir, file)) },
      });
      expect(json.stdout).not.toMatch(/vips/i);
      const text = await runCli(['detect', path.join(dir, file), '--cpus', '1']);
      expect(text.code).not.toBe(0);
      expect(text.stderr).toContain(`(${code})`);
      expect(text.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('an unreadable or missing path → not_found, a folder without images → no_images', async () => {
    const missing = await runCli(['detect', path.join(dir, 'nope.jpg'), '--json']);
    expect(missing.code).not.toBe(0);
    expect(JSON.parse(missing.stdout)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const empty = await runCli([
      'identify',
      path.join(dir, 'no-images'),
      path.join(dir, 'no-images'),
      '--json',
    ]);
    expect(empty.code).not.toBe(0);
    expect(JSON.parse(empty.stdout).error.code).toBe('no_images');
    if (process.getuid?.() !== 0) {
      const locked = await runCli(['detect', path.join(dir, 'locked.jpg'), '--json', '--cpus', '1']);
      expect(locked.code).not.toBe(0);
      expect(JSON.parse(locked.stdout).error.code).toBe('not_found');
    }
  });

  it('some files fail, others succeed: every result printed, the failures in place, exit code 1', async () => {
    const good = path.join(dir, 'good.jpg');
    await writeFile(
      good,
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#777' } })
        .jpeg()
        .toBuffer(),
    );
    const bad = path.join(dir, 'not-an-image.jpg');
    const json = await runCli(['detect', good, bad, '--json', '--cpus', '1']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual([
      { file: good, faces: [] },
      { file: bad, error: { code: 'invalid_image', message: expect.any(String) } },
    ]);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8'),
    );
    const result = await runCli(['--version']);
    expect([result.code, result.stdout.trim()]).toEqual([0, version]);
  });

  it('a bad option value is a one-line message and exit code 1', async () => {
    const result = await runCli(['compare', 'a.jpg', 'b.jpg', '--tolerance', 'banana']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--tolerance must be a number/);
  });

  it('an unknown engine runtime (--runtime or ENGINE_RUNTIME) is refused before any engine starts', async () => {
    const photo = path.join(dir, 'locked.jpg');
    const flag = await runCli(['detect', photo, '--runtime', 'gpu']);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/--runtime.*gpu.*auto, onnx, wasm/);
    const env = await runCli(['detect', photo], { env: { ENGINE_RUNTIME: 'cuda' } });
    expect(env.code).not.toBe(0);
    expect(env.stderr).toMatch(/cuda.*auto, onnx, wasm/);
  });

  it('a FIFO or a device is refused at once with a one-line message, never opened for reading', {
    timeout: 60_000,
  }, async () => {
    const fifo = path.join(dir, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    await symlink('/dev/zero', path.join(dir, 'zero.jpg'));
    const fifoList = path.join(dir, 'pipe-list.txt');
    execFileSync('mkfifo', [fifoList]);
    const photo = path.join(dir, 'locked.jpg');
    const runs: Array<[string, string[]]> = [
      ['detect FIFO', ['detect', fifo, '--cpus', '1']],
      ['detect /dev/zero', ['detect', path.join(dir, 'zero.jpg'), '--cpus', '1']],
      ['compare FIFO', ['compare', fifo, photo, '--cpus', '1']],
      ['compare /dev/zero', ['compare', path.join(dir, 'zero.jpg'), photo, '--cpus', '1']],
      ['eval --pairs FIFO', ['eval', '--pairs', fifoList, '--root', dir, '--cpus', '1']],
      ['average FIFO list', ['average', fifoList, '--workers', '0']],
    ];
    const results = await Promise.all(
      runs.map(([, args]) => runCli(args, { env: { DATA_DIR: path.join(dir, 'data') }, timeoutMs: 20_000 })),
    );
    for (const [[name], result] of runs.map((run, i) => [run, results[i]] as const)) {
      expect({ name, code: result?.code }).toEqual({ name, code: expect.any(Number) });
      expect(result?.code, name).not.toBe(0);
      const lines = result?.stderr.trim().split('\n') ?? [];
      expect(lines, name).toEqual([expect.stringMatching(/^faceflow: .*\((invalid_image|invalid_input)\)$/)]);
    }
  });
});

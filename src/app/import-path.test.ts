import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { type ImportRoots, listImportFiles, resolveImportPath, resolveImportRoots } from './import-path.ts';

describe('import paths', () => {
  let root: string;
  let outside: string;
  let roots: ImportRoots;

  beforeAll(async () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'faceflow-import-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'a', '1.jpg'), 'x');
    writeFileSync(join(root, 'a', 'b', '2.jpg'), 'x');
    writeFileSync(join(outside, 'secret.jpg'), 'x');
    symlinkSync(join(outside, 'secret.jpg'), join(root, 'a', 'evil.jpg'));
    symlinkSync(join(root, 'a', 'b'), join(root, 'inside-link'));
    roots = await resolveImportRoots([root]);
  });

  async function code(path: string): Promise<string> {
    try {
      await resolveImportPath(path, roots);
      return 'ok';
    } catch (error) {
      return (error as AppError).code;
    }
  }

  it('resolves files and folders inside the roots, relative or absolute', async () => {
    expect(await resolveImportPath('a/1.jpg', roots)).toBe(join(roots.real[0] as string, 'a', '1.jpg'));
    expect(await code(join(root, 'a'))).toBe('ok');
    expect(await code('inside-link')).toBe('ok');
    expect(await code('a/missing.jpg')).toBe('not_found');
  });

  it('forbids `..`, paths outside the roots and symlinks leaving them', async () => {
    expect(await code('a/../a/1.jpg')).toBe('forbidden_path');
    expect(await code(join(outside, 'secret.jpg'))).toBe('forbidden_path');
    expect(await code(join(outside, 'missing.jpg'))).toBe('forbidden_path');
    expect(await code('a/evil.jpg')).toBe('forbidden_path');
    expect(await code('/etc/passwd')).toBe('forbidden_path');
  });

  it('forbids everything when no root is configured', async () => {
    await expect(resolveImportPath('x.jpg', await resolveImportRoots([]))).rejects.toBeInstanceOf(AppError);
  });

  it('lists folders recursively in name order, symlinks leaving the roots as errors', async () => {
    const entries = await listImportFiles(join(roots.real[0] as string, 'a'), roots, 100);
    const real = roots.real[0] as string;
    expect(entries.map((e) => [e.path, 'error' in e ? e.error.code : 'file'])).toEqual([
      [join(real, 'a', '1.jpg'), 'file'],
      [join(real, 'a', 'b', '2.jpg'), 'file'],
      [join(real, 'a', 'evil.jpg'), 'forbidden_path'],
    ]);
    await expect(listImportFiles(real, roots, 1)).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('gives one reason for a link out of the roots, whether its target exists or not', async () => {
    symlinkSync(join(outside, 'secret.jpg'), join(root, 'out-existing.jpg'));
    symlinkSync(join(outside, 'missing.jpg'), join(root, 'out-missing.jpg'));
    const refusal = (path: string) =>
      resolveImportPath(path, roots).then(
        () => null,
        (error: AppError) => [error.code, error.message],
      );
    const existing = await refusal('out-existing.jpg');
    expect(existing?.[0]).toBe('forbidden_path');
    expect(await refusal('out-missing.jpg')).toEqual(existing);
  });

  it('refuses a FIFO or a device before opening it, as the path and inside a folder', async () => {
    const specials = join(root, 'specials');
    mkdirSync(specials);
    writeFileSync(join(specials, 'a.jpg'), 'x');
    execFileSync('mkfifo', [join(specials, 'b.jpg')]);
    symlinkSync('/dev/zero', join(specials, 'c.jpg'));
    const real = await resolveImportPath('specials/b.jpg', roots);
    await expect(listImportFiles(real, roots, 100)).rejects.toMatchObject({ code: 'invalid_image' });
    await expect(resolveImportPath('specials/c.jpg', roots)).rejects.toMatchObject({
      code: 'forbidden_path',
    });
    const entries = await listImportFiles(specials, roots, 100);
    expect(entries.map((e) => [e.path, 'error' in e ? e.error.code : 'file'])).toEqual([
      [join(specials, 'a.jpg'), 'file'],
      [join(specials, 'b.jpg'), 'invalid_image'],
      [join(specials, 'c.jpg'), 'forbidden_path'],
    ]);
  });

  it('lists each real file once through link loops', { timeout: 5000 }, async () => {
    const loop = join(root, 'loop');
    mkdirSync(loop);
    writeFileSync(join(loop, 'a.jpg'), 'x');
    symlinkSync('.', join(loop, 'l1'));
    symlinkSync('.', join(loop, 'l2'));
    symlinkSync('a.jpg', join(loop, 'same.jpg'));
    expect(await listImportFiles(loop, roots, 100)).toEqual([{ path: join(loop, 'a.jpg') }]);
  });
});

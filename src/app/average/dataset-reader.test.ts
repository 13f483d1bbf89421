import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveEntry, makeTar, makeZip } from '../../../test/support/archives.ts';
import { TarZipArchiveReader } from '../../adapters/archives-tar-zip/archive-reader.tar-zip.ts';
import { AppError } from '../../core/errors.ts';
import { type ImportRoots, OUTSIDE_ROOTS, resolveImportRoots } from '../confine-path.ts';
import { type DatasetItem, readDataset, unsafeEntryName } from './dataset-reader.ts';

const archives = new TarZipArchiveReader();
const jpeg = (n: number) => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, n, n, n, n]);
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]);

async function collect(
  target: string,
  maxEntryBytes = 1024,
  roots: ImportRoots | null = null,
): Promise<DatasetItem[]> {
  const out: DatasetItem[] = [];
  for await (const item of readDataset(target, { maxEntryBytes, roots, archives })) out.push(item);
  return out;
}

const brief = (items: DatasetItem[]) =>
  items.map((i) => (i.kind === 'photo' ? `photo ${i.entry}` : `${i.kind} ${i.entry} ${i.reason}`));

const ARCHIVE_ENTRIES: ArchiveEntry[] = [
  { name: 'people/', type: 'directory' },
  { name: 'people/a.jpg', data: jpeg(1) },
  { name: '../evil.jpg', data: jpeg(2) },
  { name: '/etc/abs.jpg', data: jpeg(3) },
  { name: 'people/../../up.jpg', data: jpeg(4) },
  { name: 'link.jpg', type: 'symlink' },
  { name: 'notes.txt', data: new TextEncoder().encode('hello') },
  { name: 'fake.jpg', data: new TextEncoder().encode('not really a jpeg') },
  { name: 'big.png', data: new Uint8Array(4096).fill(7) },
  { name: 'empty.jpg', data: new Uint8Array() },
  { name: 'people/b.png', data: png },
];

const EXPECTED = [
  'photo people/a.jpg',
  'rejected ../evil.jpg unsafe_path',
  'rejected /etc/abs.jpg unsafe_path',
  'rejected people/../../up.jpg unsafe_path',
  'rejected link.jpg not_a_file',
  'skip notes.txt not_an_image',
  'skip fake.jpg not_an_image',
  'skip big.png too_large',
  'skip empty.jpg unreadable',
  'photo people/b.png',
];

describe('readDataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-dataset-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('walks a folder in name order, skipping non-images, empty and oversized files with reasons', async () => {
    const root = path.join(dir, 'folder');
    await mkdir(path.join(root, 'b'), { recursive: true });
    await writeFile(path.join(root, 'b', 'z.jpg'), jpeg(1));
    await writeFile(path.join(root, 'a.png'), png);
    await writeFile(path.join(root, 'readme.md'), 'x');
    await writeFile(path.join(root, 'empty.jpg'), '');
    await writeFile(path.join(root, 'huge.jpg'), new Uint8Array(5000));
    const items = await collect(root);
    expect(brief(items)).toEqual([
      'photo a.png',
      `photo ${path.join('b', 'z.jpg')}`,
      'skip empty.jpg unreadable',
      'skip huge.jpg too_large',
      'skip readme.md not_an_image',
    ]);
    const first = items[0];
    expect(first?.kind === 'photo' && [...first.bytes]).toEqual([...png]);
  });

  for (const kind of ['tar', 'tar.gz', 'zip'] as const) {
    it(`reads a .${kind} as a stream: photos, zip-slip and link entries rejected, nothing written outside`, async () => {
      const file = path.join(dir, `set.${kind}`);
      const bytes =
        kind === 'zip' ? makeZip(ARCHIVE_ENTRIES) : await makeTar(ARCHIVE_ENTRIES, kind === 'tar.gz');
      await writeFile(file, bytes);
      const items = await collect(file);
      expect(brief(items)).toEqual(EXPECTED);
      const a = items[0];
      expect(a?.kind === 'photo' && [...a.bytes]).toEqual([...jpeg(1)]);
      expect(existsSync(path.join(dir, 'evil.jpg'))).toBe(false);
      expect(existsSync(path.join(path.dirname(dir), 'evil.jpg'))).toBe(false);
      expect(existsSync(path.join(path.dirname(dir), 'up.jpg'))).toBe(false);
    });
  }

  it('reports a corrupt or truncated archive as a clear invalid_input error', async () => {
    const good = makeZip([{ name: 'a.jpg', data: jpeg(1) }]);
    const cases: [string, Uint8Array][] = [
      ['truncated.zip', good.subarray(0, good.length - 10)],
      ['garbage.zip', new Uint8Array(300).fill(0x41)],
      ['garbage.tar', new Uint8Array(1024).fill(0x41)],
      [
        'truncated.tar.gz',
        (await makeTar([{ name: 'a.jpg', data: new Uint8Array(3000).fill(3) }], true)).subarray(0, 40),
      ],
      ['garbage.tgz', new Uint8Array(100).fill(0x1f)],
    ];
    for (const [name, bytes] of cases) {
      const file = path.join(dir, name);
      await writeFile(file, bytes);
      const error = await collect(file).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(AppError);
      expect((error as AppError).code, name).toBe('invalid_input');
      expect((error as AppError).message, name).toMatch(/^corrupt archive /);
    }
  });

  it('reads a list file line by line, paths relative to the list, missing files unreadable', async () => {
    const list = path.join(dir, 'list.txt');
    await writeFile(path.join(dir, 'listed.jpg'), jpeg(9));
    await writeFile(list, `# photos\nlisted.jpg\n\n${path.join(dir, 'listed.jpg')}\nmissing.jpg\n`);
    expect(brief(await collect(list))).toEqual([
      'photo listed.jpg',
      `photo ${path.join(dir, 'listed.jpg')}`,
      'skip missing.jpg unreadable',
    ]);
  });

  it('refuses what is not a data set, and a missing path', async () => {
    await writeFile(path.join(dir, 'x.csv'), 'a');
    await expect(collect(path.join(dir, 'x.csv'))).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(collect(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('names unsafe entry names', () => {
    expect(unsafeEntryName('a/b.jpg')).toBeNull();
    expect(unsafeEntryName('a/..b.jpg')).toBeNull();
    expect(unsafeEntryName('../a.jpg')).not.toBeNull();
    expect(unsafeEntryName('a\\..\\b.jpg')).not.toBeNull();
    expect(unsafeEntryName('C:\\x.jpg')).not.toBeNull();
    expect(unsafeEntryName('/x.jpg')).not.toBeNull();
  });
});

describe('readDataset confined to the import roots', () => {
  let base: string;
  let root: string;
  let outside: string;
  let roots: ImportRoots;
  let secret: Uint8Array;
  const confined = (target: string) => collect(target, 1_000_000, roots);
  /** Every entry, with its message for refusals (the words a client would see). */
  const detail = (items: DatasetItem[]) =>
    items.map((i) =>
      i.kind === 'photo' ? `photo ${i.entry}` : `${i.kind} ${i.entry} ${i.reason} ${i.message}`,
    );

  beforeAll(async () => {
    base = await realpath(await mkdtemp(path.join(tmpdir(), 'faceflow-confined-')));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
    // real photos, so that a leak would be a photo in the average
    secret = new Uint8Array(
      await sharp({ create: { width: 24, height: 24, channels: 3, background: '#a03030' } })
        .jpeg()
        .toBuffer(),
    );
    await writeFile(path.join(outside, 'secret-1.jpg'), secret);
    await writeFile(path.join(outside, 'secret-2.jpg'), secret);
    roots = await resolveImportRoots([root]);
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('does not follow a link in a folder to a folder or photo outside the roots, and says why without a path', async () => {
    const set = path.join(root, 'linked');
    await mkdir(set);
    await writeFile(path.join(set, 'a.jpg'), jpeg(1));
    await symlink(outside, path.join(set, 'b-out'));
    await symlink(path.join(outside, 'secret-1.jpg'), path.join(set, 'c-out.jpg'));
    await symlink(path.join(outside, 'no-such.jpg'), path.join(set, 'd-dangling.jpg'));
    const items = await confined(set);
    expect(detail(items)).toEqual([
      'photo a.jpg',
      `rejected b-out unsafe_path ${OUTSIDE_ROOTS}`,
      `rejected c-out.jpg unsafe_path ${OUTSIDE_ROOTS}`,
      `rejected d-dangling.jpg unsafe_path ${OUTSIDE_ROOTS}`,
    ]);
    expect(JSON.stringify(items)).not.toContain(outside);
    // a data set that is itself a link out of the roots is refused as a whole
    await symlink(outside, path.join(root, 'all-out'));
    await expect(confined(path.join(root, 'all-out'))).rejects.toMatchObject({ code: 'forbidden_path' });
  });

  it('refuses list entries outside the roots with the same reason whether they exist or not', async () => {
    const list = path.join(root, 'list.txt');
    await writeFile(path.join(root, 'in.jpg'), jpeg(2));
    await writeFile(
      list,
      [
        'in.jpg',
        path.join(outside, 'secret-1.jpg'),
        path.join(outside, 'missing.jpg'),
        '../outside/secret-2.jpg',
        '../outside/missing-2.jpg',
        'not-here.jpg',
      ].join('\n'),
    );
    const items = await confined(list);
    expect(items.filter((i) => i.kind === 'photo').map((i) => i.entry)).toEqual(['in.jpg']);
    const refused = items.slice(1, 5);
    expect(refused.map((i) => i.kind === 'rejected' && [i.reason, i.message])).toEqual(
      Array(4).fill(['unsafe_path', OUTSIDE_ROOTS]),
    );
    // missing inside the roots may be told as such: it says nothing of the outside
    expect(detail(items.slice(5))).toEqual(['skip not-here.jpg unreadable no such file']);
  });

  it('counts each photo once through a `self -> .` link', async () => {
    const set = path.join(root, 'loop');
    await mkdir(path.join(set, 'sub'), { recursive: true });
    await writeFile(path.join(set, 'a.jpg'), jpeg(3));
    await writeFile(path.join(set, 'sub', 'b.jpg'), jpeg(4));
    await symlink('.', path.join(set, 'self'));
    await symlink('..', path.join(set, 'sub', 'up'));
    expect(brief(await confined(set))).toEqual(['photo a.jpg', `photo ${path.join('sub', 'b.jpg')}`]);
    // the same without roots (the CLI)
    expect(brief(await collect(set))).toEqual(['photo a.jpg', `photo ${path.join('sub', 'b.jpg')}`]);
  });

  it('finishes a folder with two links back to itself', { timeout: 5000 }, async () => {
    const set = path.join(root, 'twin-loops');
    await mkdir(set);
    await writeFile(path.join(set, 'a.jpg'), jpeg(5));
    await symlink('.', path.join(set, 'l1'));
    await symlink('.', path.join(set, 'l2'));
    const other = path.join(root, 'pair');
    await mkdir(path.join(other, 'x'), { recursive: true });
    await mkdir(path.join(other, 'y'));
    await symlink('../y', path.join(other, 'x', 'to-y'));
    await symlink('../x', path.join(other, 'y', 'to-x'));
    await writeFile(path.join(other, 'y', 'c.jpg'), jpeg(6));
    expect(brief(await confined(set))).toEqual(['photo a.jpg']);
    expect(brief(await collect(set))).toEqual(['photo a.jpg']);
    expect(brief(await confined(other))).toEqual([`photo ${path.join('x', 'to-y', 'c.jpg')}`]);
  });

  it('refuses FIFOs and devices without opening them, in folders, lists, and as the data set', {
    timeout: 5000,
  }, async () => {
    const set = path.join(root, 'specials');
    await mkdir(set);
    await writeFile(path.join(set, 'a.jpg'), jpeg(7));
    execFileSync('mkfifo', [path.join(set, 'b-fifo.jpg')]);
    await symlink('/dev/zero', path.join(set, 'c-zero.jpg'));
    expect(detail(await confined(set))).toEqual([
      'photo a.jpg',
      'rejected b-fifo.jpg not_a_file not a regular file',
      `rejected c-zero.jpg unsafe_path ${OUTSIDE_ROOTS}`,
    ]);
    // without roots (the CLI) the device is still never read
    expect(brief(await collect(set))).toEqual([
      'photo a.jpg',
      'rejected b-fifo.jpg not_a_file',
      'rejected c-zero.jpg not_a_file',
    ]);
    const list = path.join(root, 'specials.txt');
    await writeFile(list, 'specials/a.jpg\nspecials/b-fifo.jpg\n/dev/zero\n');
    expect(brief(await confined(list))).toEqual([
      'photo specials/a.jpg',
      'rejected specials/b-fifo.jpg not_a_file',
      'rejected /dev/zero unsafe_path',
    ]);
    expect(brief(await collect(list))).toEqual([
      'photo specials/a.jpg',
      'rejected specials/b-fifo.jpg not_a_file',
      'skip /dev/zero not_an_image',
    ]);
    for (const name of ['fifo-list.txt', 'fifo-set.zip', 'fifo-set.tar.gz']) {
      execFileSync('mkfifo', [path.join(root, name)]);
      await expect(confined(path.join(root, name)), name).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(collect(path.join(root, name)), name).rejects.toMatchObject({ code: 'invalid_input' });
    }
  });
});

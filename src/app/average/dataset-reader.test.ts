import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveEntry, makeTar, makeZip } from '../../../test/support/archives.ts';
import { AppError } from '../../core/errors.ts';
import { type DatasetItem, readDataset, unsafeEntryName } from './dataset-reader.ts';

const jpeg = (n: number) => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, n, n, n, n]);
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]);

async function collect(target: string, maxEntryBytes = 1024): Promise<DatasetItem[]> {
  const out: DatasetItem[] = [];
  for await (const item of readDataset(target, { maxEntryBytes })) out.push(item);
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

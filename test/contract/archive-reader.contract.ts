import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.ts';
import type {
  ArchiveEntry,
  ArchiveFormat,
  ArchiveReader,
  ArchiveSource,
} from '../../src/ports/archive-reader.ts';
import { type ArchiveEntry as Made, makeTar, makeZip } from '../support/archives.ts';

/** Bytes held in memory, handed out in small chunks as a download would; `seekable: false` has no ranges. */
export function memorySource(name: string, bytes: Uint8Array, seekable = true, chunk = 97): ArchiveSource {
  async function* slices(start: number, end: number): AsyncGenerator<Uint8Array> {
    for (let at = start; at < end; at += chunk) yield bytes.slice(at, Math.min(end, at + chunk));
  }
  return {
    name,
    ...(seekable ? { size: bytes.length, range: (start: number, end: number) => slices(start, end) } : {}),
    stream: () => slices(0, bytes.length),
  };
}

const ENTRIES: Made[] = [
  { name: 'people/', type: 'directory' },
  { name: 'people/a.jpg', data: new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]) },
  { name: '../evil.jpg', data: new Uint8Array([9]) },
  { name: 'link.jpg', type: 'symlink' },
  { name: 'big.bin', data: new Uint8Array(5000).fill(7) },
  { name: 'people/b.txt', data: new TextEncoder().encode('hello') },
];

function archive(format: ArchiveFormat, entries: Made[]): Promise<Uint8Array> {
  return format === 'zip' ? Promise.resolve(makeZip(entries)) : makeTar(entries, format === 'tar.gz');
}

async function failure(run: () => Promise<unknown>): Promise<AppError> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** What every ArchiveReader must do, whatever library it reads with. */
export function archiveReaderContract(name: string, make: () => ArchiveReader): void {
  describe(`${name} (ArchiveReader contract)`, () => {
    const describeEntry = async (entry: ArchiveEntry, read: boolean) =>
      `${entry.name} ${entry.type} ${entry.size}${read ? ` ${(await entry.read(1000))?.length ?? 'over'}` : ''}`;

    for (const format of ['tar', 'tar.gz', 'zip'] as const) {
      it(`lists a ${format} in archive order with its types and sizes, and reads entries within a limit`, async () => {
        const source = memorySource(`set.${format}`, await archive(format, ENTRIES));
        const seen: string[] = [];
        for await (const entry of make().entries(source, format))
          seen.push(await describeEntry(entry, entry.type === 'file' && entry.name !== '../evil.jpg'));
        expect(seen).toEqual([
          'people/ directory 0',
          'people/a.jpg file 6 6',
          '../evil.jpg file 1',
          `link.jpg link ${format === 'zip' ? 11 : 0}`,
          'big.bin file 5000 over',
          'people/b.txt file 5 5',
        ]);
      });

      it(`skips the entries left unread in a ${format} and gives each read entry its own bytes`, async () => {
        const entries: Made[] = Array.from({ length: 20 }, (_, i) => ({
          name: `p${i}.jpg`,
          data: new Uint8Array(300 + i).fill(i),
        }));
        const source = memorySource(`many.${format}`, await archive(format, entries), true, 50);
        const read: number[][] = [];
        let n = 0;
        for await (const entry of make().entries(source, format)) {
          if (n++ % 3 !== 0) continue;
          const bytes = await entry.read(10_000);
          read.push([bytes?.length ?? -1, bytes?.[0] ?? -1, bytes?.[bytes.length - 1] ?? -1]);
        }
        expect(n).toBe(20);
        expect(read).toEqual([0, 3, 6, 9, 12, 15, 18].map((i) => [300 + i, i, i]));
      });

      it(`rejects a corrupt ${format} with invalid_input naming the archive`, async () => {
        const good = await archive(format, [{ name: 'a.jpg', data: new Uint8Array(3000).fill(3) }]);
        const bad = format === 'tar' ? new Uint8Array(1024).fill(0x41) : good.subarray(0, 40);
        const error = await failure(async () => {
          for await (const entry of make().entries(memorySource(`broken.${format}`, bad), format))
            await entry.read(10_000);
        });
        expect(error.code).toBe('invalid_input');
        expect(error.message).toMatch(
          new RegExp(`^corrupt archive broken\\.${format.replace('.', '\\.')}: .+`),
        );
      });
    }

    it('reads a tar and a tar.gz from a plain stream that cannot seek (a download)', async () => {
      for (const format of ['tar', 'tar.gz'] as const) {
        const source = memorySource(`stream.${format}`, await archive(format, ENTRIES), false);
        const names: string[] = [];
        for await (const entry of make().entries(source, format)) names.push(entry.name);
        expect(names).toHaveLength(ENTRIES.length);
      }
    });

    it('refuses a zip from a plain stream with a clear invalid_input error', async () => {
      const source = memorySource('stream.zip', makeZip(ENTRIES), false);
      const error = await failure(async () => {
        for await (const _ of make().entries(source, 'zip')) {
          // never reached
        }
      });
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(
        /^stream\.zip: a zip archive is read from a file or a source that can seek/,
      );
    });

    it('reads an empty tar file as no entries, and bytes that hold none as corrupt', async () => {
      const empty: string[] = [];
      for await (const entry of make().entries(memorySource('empty.tar', new Uint8Array()), 'tar'))
        empty.push(entry.name);
      expect(empty).toEqual([]);
      const error = await failure(async () => {
        for await (const _ of make().entries(memorySource('zeros.tar', new Uint8Array(1024)), 'tar')) {
          // never reached
        }
      });
      expect(error.message).toMatch(/^corrupt archive zeros\.tar: /);
    });
  });
}

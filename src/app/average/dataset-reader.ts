import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import yauzl from 'yauzl';
import type { SkipReason } from '../../core/average.ts';
import { AppError } from '../../core/errors.ts';
import { isImagePath } from '../../core/image-path.ts';
import { sniffMediaType } from '../../core/media-type.ts';
import type { RejectedEntry } from '../../ports/average-job-store.ts';
import { entryKind } from '../file-entry.ts';

/**
 * One entry of a data set, read one at a time (only the current entry's bytes are in memory):
 * a photo's bytes, an entry skipped with a reason, or an entry refused outright (zip-slip, links).
 */
export type DatasetItem =
  | { kind: 'photo'; entry: string; bytes: Uint8Array }
  | { kind: 'skip'; entry: string; reason: SkipReason; message: string }
  | { kind: 'rejected'; entry: string; reason: RejectedEntry['reason']; message: string };

export type DatasetKind = 'folder' | 'tar' | 'tar.gz' | 'zip' | 'list';

export interface DatasetOptions {
  /** Entries larger than this are skipped as `too_large` without being read into memory. */
  maxEntryBytes: number;
}

/** What a path holds, from its name (archives, list files) or its type (folders). */
export async function datasetKind(target: string): Promise<DatasetKind> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
  } catch (error) {
    throw new AppError('not_found', `cannot read the data set ${target}: no such file or folder`, {
      cause: error,
    });
  }
  if (info.isDirectory()) return 'folder';
  const lower = target.toLowerCase();
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz';
  if (lower.endsWith('.tar')) return 'tar';
  if (lower.endsWith('.zip')) return 'zip';
  if (lower.endsWith('.txt') || lower.endsWith('.lst') || lower.endsWith('.list')) return 'list';
  throw new AppError(
    'invalid_input',
    `${target}: a data set is a folder, a .tar, .tar.gz or .zip archive, or a .txt file listing photo paths`,
  );
}

/** Why an archive entry name may not be used: absolute, a drive letter, or a `..` segment. */
export function unsafeEntryName(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name.includes('\0')) return 'NUL in name';
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/') || name.startsWith('\\')) return 'absolute path';
  if (name.split(/[\\/]+/).includes('..')) return '`..` segment';
  return null;
}

/** Classifies an entry's bytes: a photo, or a skip reason. */
function classify(entry: string, bytes: Uint8Array): DatasetItem {
  if (bytes.byteLength === 0) return { kind: 'skip', entry, reason: 'unreadable', message: 'empty file' };
  if (sniffMediaType(bytes) === 'application/octet-stream')
    return { kind: 'skip', entry, reason: 'not_an_image', message: 'not a recognised image format' };
  return { kind: 'photo', entry, bytes };
}

const notAnImage = (entry: string): DatasetItem => ({
  kind: 'skip',
  entry,
  reason: 'not_an_image',
  message: 'not an image file name',
});

const tooLarge = (entry: string, size: number, max: number): DatasetItem => ({
  kind: 'skip',
  entry,
  reason: 'too_large',
  message: `${size} bytes is more than the ${max} allowed`,
});

async function* readFileEntry(
  file: string,
  entry: string,
  options: DatasetOptions,
): AsyncGenerator<DatasetItem> {
  if (!isImagePath(file)) {
    yield notAnImage(entry);
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) {
      yield { kind: 'skip', entry, reason: 'unreadable', message: 'not a regular file' };
      return;
    }
    if (info.size > options.maxEntryBytes) {
      yield tooLarge(entry, info.size, options.maxEntryBytes);
      return;
    }
    yield classify(entry, await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    yield { kind: 'skip', entry, reason: 'unreadable', message: `cannot read: ${code}` };
  }
}

async function* readFolder(root: string, options: DatasetOptions): AsyncGenerator<DatasetItem> {
  async function* walk(dir: string): AsyncGenerator<DatasetItem> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const kind = await entryKind(entry, full);
      if (kind === 'dir') yield* walk(full);
      else if (kind === 'file') yield* readFileEntry(full, path.relative(root, full), options);
    }
  }
  yield* walk(root);
}

async function* readList(listFile: string, options: DatasetOptions): AsyncGenerator<DatasetItem> {
  const base = path.dirname(listFile);
  const text = await readFile(listFile, 'utf8');
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    yield* readFileEntry(path.resolve(base, line), line, options);
  }
}

function corrupt(source: string, error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('invalid_input', `corrupt archive ${path.basename(source)}: ${message}`, {
    cause: error,
  });
}

async function readStream(stream: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of stream) {
    size += part.byteLength;
    // past the limit the rest is drained, never kept
    if (size <= limit) parts.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
  }
  return size > limit ? null : new Uint8Array(Buffer.concat(parts));
}

async function* readTar(file: string, gzip: boolean, options: DatasetOptions): AsyncGenerator<DatasetItem> {
  const extract = tarStream.extract();
  const input = createReadStream(file);
  const failure: { error?: unknown } = {};
  const fail = (error: unknown) => {
    failure.error ??= error;
    extract.destroy(error as Error);
  };
  input.on('error', fail);
  if (gzip) {
    const gunzip = createGunzip();
    gunzip.on('error', fail);
    input.pipe(gunzip).pipe(extract);
  } else {
    input.pipe(extract);
  }
  let entries = 0;
  try {
    for await (const entry of extract) {
      entries++;
      const { name, type, size = 0 } = entry.header;
      const unsafe = unsafeEntryName(name);
      if (unsafe) {
        entry.resume();
        yield { kind: 'rejected', entry: name, reason: 'unsafe_path', message: unsafe };
        continue;
      }
      if (type === 'directory') {
        entry.resume();
        continue;
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        entry.resume();
        yield { kind: 'rejected', entry: name, reason: 'not_a_file', message: `${type} entry` };
        continue;
      }
      if (!isImagePath(name)) {
        entry.resume();
        yield notAnImage(name);
        continue;
      }
      if (size > options.maxEntryBytes) {
        entry.resume();
        yield tooLarge(name, size, options.maxEntryBytes);
        continue;
      }
      const bytes = await readStream(entry as AsyncIterable<Uint8Array>, options.maxEntryBytes);
      yield bytes ? classify(name, bytes) : tooLarge(name, size, options.maxEntryBytes);
    }
  } catch (error) {
    throw corrupt(file, failure.error ?? error);
  } finally {
    input.destroy();
  }
  if (failure.error) throw corrupt(file, failure.error);
  if (entries === 0 && (await stat(file)).size > 0) throw corrupt(file, new Error('no tar entries found'));
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(
      file,
      { lazyEntries: true, decodeStrings: false, autoClose: true, validateEntrySizes: true },
      (error, zip) => (error || !zip ? reject(error) : resolve(zip)),
    ),
  );
}

function zipEntryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  // bit 11: the name is UTF-8; otherwise CP437, of which the printable ASCII part is read as is
  return Buffer.isBuffer(raw)
    ? raw.toString((entry.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1')
    : String(raw);
}

async function* readZip(file: string, options: DatasetOptions): AsyncGenerator<DatasetItem> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (error) {
    throw corrupt(file, error);
  }
  const next = (): Promise<yauzl.Entry | null> =>
    new Promise((resolve, reject) => {
      const onEntry = (entry: yauzl.Entry) => {
        cleanup();
        resolve(entry);
      };
      const onEnd = () => {
        cleanup();
        resolve(null);
      };
      const onError = (error: unknown) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
  const openEntry = (entry: yauzl.Entry): Promise<Readable> =>
    new Promise((resolve, reject) =>
      zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(error) : resolve(stream))),
    );
  try {
    for (;;) {
      let entry: yauzl.Entry | null;
      try {
        entry = await next();
      } catch (error) {
        throw corrupt(file, error);
      }
      if (!entry) return;
      const name = zipEntryName(entry);
      const unsafe = unsafeEntryName(name);
      if (unsafe) {
        yield { kind: 'rejected', entry: name, reason: 'unsafe_path', message: unsafe };
        continue;
      }
      if (name.endsWith('/')) continue;
      const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
      if (mode === 0o120000) {
        yield { kind: 'rejected', entry: name, reason: 'not_a_file', message: 'symbolic link entry' };
        continue;
      }
      if (!isImagePath(name)) {
        yield notAnImage(name);
        continue;
      }
      if (entry.uncompressedSize > options.maxEntryBytes) {
        yield tooLarge(name, entry.uncompressedSize, options.maxEntryBytes);
        continue;
      }
      let bytes: Uint8Array | null;
      try {
        bytes = await readStream(await openEntry(entry), options.maxEntryBytes);
      } catch (error) {
        if ((entry.generalPurposeBitFlag & 0x1) !== 0) {
          yield { kind: 'skip', entry: name, reason: 'unreadable', message: 'encrypted entry' };
          continue;
        }
        throw corrupt(file, error);
      }
      yield bytes ? classify(name, bytes) : tooLarge(name, entry.uncompressedSize, options.maxEntryBytes);
    }
  } finally {
    zip.close();
  }
}

/**
 * Streams a data set's entries in a stable order (folders by name, archives in archive order, list
 * files line by line), so that reading it again on resume yields the same chunks.
 * Rejects with `invalid_input` for a corrupt archive, `not_found` for a missing path.
 */
export async function* readDataset(target: string, options: DatasetOptions): AsyncGenerator<DatasetItem> {
  const kind = await datasetKind(target);
  switch (kind) {
    case 'folder':
      yield* readFolder(target, options);
      return;
    case 'list':
      yield* readList(target, options);
      return;
    case 'tar':
      yield* readTar(target, false, options);
      return;
    case 'tar.gz':
      yield* readTar(target, true, options);
      return;
    case 'zip':
      yield* readZip(target, options);
      return;
  }
}

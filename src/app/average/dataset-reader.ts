import { close, createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import yauzl from 'yauzl';
import type { SkipReason } from '../../core/average.ts';
import { AppError } from '../../core/errors.ts';
import { isImagePath } from '../../core/image-path.ts';
import { sniffMediaType } from '../../core/media-type.ts';
import type { RejectedEntry } from '../../ports/average-job-store.ts';
import {
  confinePath,
  type ImportRoots,
  missingInsideRoots,
  NOT_REGULAR,
  OUTSIDE_ROOTS,
  openRegularFd,
  readRegularFile,
} from '../confine-path.ts';
import { walkFolder } from '../file-entry.ts';

/**
 * One entry of a data set, read one at a time (only the current entry's bytes are in memory):
 * a photo's bytes, an entry skipped with a reason, or an entry refused outright (zip-slip, links
 * leaving the roots, FIFOs and devices).
 */
export type DatasetItem =
  | { kind: 'photo'; entry: string; bytes: Uint8Array }
  | { kind: 'skip'; entry: string; reason: SkipReason; message: string }
  | { kind: 'rejected'; entry: string; reason: RejectedEntry['reason']; message: string };

export type DatasetKind = 'folder' | 'tar' | 'tar.gz' | 'zip' | 'list';

export interface DatasetOptions {
  /** Entries larger than this are skipped as `too_large` without being read into memory. */
  maxEntryBytes: number;
  /**
   * Where the data set, its folder entries and its list file's entries must lie (symlinks resolved);
   * anything else is refused with one reason whether it exists or not. Null or absent: no
   * confinement (the CLI reads what its own user names), yet still loop-safe and regular files only.
   */
  roots?: ImportRoots | null;
}

const outside = (entry: string): DatasetItem => ({
  kind: 'rejected',
  entry,
  reason: 'unsafe_path',
  message: OUTSIDE_ROOTS,
});

const notRegular = (entry: string): DatasetItem => ({
  kind: 'rejected',
  entry,
  reason: 'not_a_file',
  message: NOT_REGULAR,
});

/**
 * The real path of a data set (symlinks resolved, inside the roots when there are roots), or a
 * `forbidden_path` / `not_found` error that says nothing of what lies outside the roots.
 */
async function resolveTarget(target: string, roots: ImportRoots | null): Promise<string> {
  const real = roots ? await confinePath(target, roots) : await realpath(target).catch(() => null);
  if (real !== null) return real;
  if (roots && !(await missingInsideRoots(target, roots)))
    throw new AppError('forbidden_path', `the data set is ${OUTSIDE_ROOTS}`);
  throw new AppError('not_found', `cannot read the data set ${target}: no such file or folder`);
}

/**
 * What a path holds, from its name (archives, list files; `name` when the path is a resolved link)
 * or its type (folders). FIFOs, sockets and devices are refused.
 */
export async function datasetKind(target: string, name = target): Promise<DatasetKind> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
  } catch (error) {
    throw new AppError('not_found', `cannot read the data set ${target}: no such file or folder`, {
      cause: error,
    });
  }
  if (info.isDirectory()) return 'folder';
  if (!info.isFile())
    throw new AppError(
      'invalid_input',
      `${name}: a data set is a folder or a regular file, not a FIFO, socket or device`,
    );
  const lower = name.toLowerCase();
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz';
  if (lower.endsWith('.tar')) return 'tar';
  if (lower.endsWith('.zip')) return 'zip';
  if (lower.endsWith('.txt') || lower.endsWith('.lst') || lower.endsWith('.list')) return 'list';
  throw new AppError(
    'invalid_input',
    `${name}: a data set is a folder, a .tar, .tar.gz or .zip archive, or a .txt file listing photo paths`,
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

/** Reads one photo file (a real path, already confined): a regular file only, within the size limit. */
async function* readFileEntry(
  file: string,
  entry: string,
  options: DatasetOptions,
): AsyncGenerator<DatasetItem> {
  if (!isImagePath(entry)) {
    yield notAnImage(entry);
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(file, (size) => {
      if (size > options.maxEntryBytes) throw new TooLarge(size);
    });
  } catch (error) {
    if (error instanceof TooLarge) yield tooLarge(entry, error.size, options.maxEntryBytes);
    else if (error instanceof AppError) yield notRegular(entry);
    else {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      yield { kind: 'skip', entry, reason: 'unreadable', message: `cannot read: ${code}` };
    }
    return;
  }
  yield classify(entry, bytes);
}

class TooLarge extends Error {
  constructor(readonly size: number) {
    super('too large');
  }
}

async function* readFolder(root: string, options: DatasetOptions): AsyncGenerator<DatasetItem> {
  for await (const found of walkFolder(root, options.roots ?? null)) {
    const entry = path.relative(root, found.path);
    if ('real' in found) yield* readFileEntry(found.real, entry, options);
    else if (found.refused === 'outside_or_missing') yield outside(entry);
    else yield notRegular(entry);
  }
}

async function* readList(listFile: string, options: DatasetOptions): AsyncGenerator<DatasetItem> {
  const roots = options.roots ?? null;
  const base = path.dirname(listFile);
  const text = new TextDecoder().decode(await readRegularFile(listFile));
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    const listed = path.resolve(base, line);
    if (roots) {
      const real = await confinePath(listed, roots);
      if (real !== null) yield* readFileEntry(real, line, options);
      else if (await missingInsideRoots(listed, roots))
        yield { kind: 'skip', entry: line, reason: 'unreadable', message: 'no such file' };
      else yield outside(line);
    } else {
      yield* readFileEntry(listed, line, options);
    }
  }
}

function corrupt(source: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
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
  const { fd, size: fileSize } = await openRegularFd(file);
  yield* readTarInput(createReadStream('', { fd, autoClose: true }), file, gzip, options, fileSize > 0);
}

/** Inflating more than this many times the compressed bytes (past the first MiB) is taken for a compression bomb. */
export const MAX_COMPRESSION_RATIO = 200;

/** Counts what goes into and comes out of gunzip, and stops an archive that inflates like a bomb. */
function bombGuard(gunzip: Transform, fail: (error: unknown) => void) {
  let input = 0;
  let output = 0;
  gunzip.on('data', (piece: Buffer) => {
    output += piece.length;
    if (output > 1024 * 1024 && output > input * MAX_COMPRESSION_RATIO)
      fail(new Error(`it inflates more than ${MAX_COMPRESSION_RATIO} times (a compression bomb?)`));
  });
  return (piece: Buffer) => {
    input += piece.length;
  };
}

/** Reads a tar (or tar.gz) arriving on `input`, entry by entry as its bytes arrive. */
async function* readTarInput(
  input: Readable,
  file: string,
  gzip: boolean,
  options: DatasetOptions,
  hasBytes: boolean,
): AsyncGenerator<DatasetItem> {
  const extract = tarStream.extract();
  const failure: { error?: unknown } = {};
  const fail = (error: unknown) => {
    failure.error ??= error;
    extract.destroy(error as Error);
  };
  input.on('error', fail);
  if (gzip) {
    const gunzip = createGunzip();
    gunzip.on('error', fail);
    input.on('data', bombGuard(gunzip, fail));
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
  if (entries === 0 && hasBytes) throw corrupt(file, new Error('no tar entries found'));
}

async function openZip(file: string): Promise<yauzl.ZipFile> {
  const { fd } = await openRegularFd(file);
  return new Promise((resolve, reject) =>
    yauzl.fromFd(
      fd,
      { lazyEntries: true, decodeStrings: false, autoClose: true, validateEntrySizes: true },
      (error, zip) => {
        if (!error && zip) return resolve(zip);
        close(fd, () => reject(error));
      },
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

async function* readZip(file: string, options: DatasetOptions, label = file): AsyncGenerator<DatasetItem> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw corrupt(label, error);
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
        throw corrupt(label, error);
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
      if (
        entry.uncompressedSize > 1024 * 1024 &&
        entry.uncompressedSize > entry.compressedSize * MAX_COMPRESSION_RATIO
      ) {
        yield {
          kind: 'skip',
          entry: name,
          reason: 'too_large',
          message: `it inflates ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times (a compression bomb?)`,
        };
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
        throw corrupt(label, error);
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
  const real = await resolveTarget(target, options.roots ?? null);
  const kind = await datasetKind(real, target);
  switch (kind) {
    case 'folder':
      yield* readFolder(real, options);
      return;
    case 'list':
      yield* readList(real, options);
      return;
    case 'tar':
      yield* readTar(real, false, options);
      return;
    case 'tar.gz':
      yield* readTar(real, true, options);
      return;
    case 'zip':
      yield* readZip(real, options);
      return;
  }
}

/** A data set arriving as bytes (a download), its kind sniffed from its first bytes. */
export interface ArchiveStream {
  kind: 'tar' | 'tar.gz' | 'zip';
  bytes: AsyncIterable<Uint8Array>;
  /** Where the bytes are kept: a zip is read from it once they are all in (its index is at the end). */
  file: string;
  /** What to call it in messages. */
  label: string;
}

/**
 * Reads an archive as it arrives: a tar or tar.gz entry by entry while the rest is still coming, a
 * zip once complete. Entries are checked as for a local archive.
 */
export async function* readArchiveStream(
  archive: ArchiveStream,
  options: DatasetOptions,
): AsyncGenerator<DatasetItem> {
  if (archive.kind === 'zip') {
    for await (const _ of archive.bytes) {
      // the zip's index is at its end: only the download happens until then
    }
    yield* readZip(archive.file, options, archive.label);
    return;
  }
  yield* readTarInput(
    Readable.from(archive.bytes, { objectMode: false }),
    archive.label,
    archive.kind === 'tar.gz',
    options,
    true,
  );
}

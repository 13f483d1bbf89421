import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SkipReason } from '../../core/average.ts';
import { inflatesLikeABomb } from '../../core/compression-bomb.ts';
import { AppError } from '../../core/errors.ts';
import { isImagePath } from '../../core/image-path.ts';
import { sniffMediaType } from '../../core/media-type.ts';
import type { ArchiveFormat, ArchiveReader, ArchiveSource } from '../../ports/archive-reader.ts';
import type { RejectedEntry } from '../../ports/average-job-store.ts';
import {
  confinePath,
  type ImportRoots,
  missingInsideRoots,
  NOT_REGULAR,
  OUTSIDE_ROOTS,
  readRegularFile,
} from '../confine-path.ts';
import { walkFolder } from '../file-entry.ts';
import { openArchiveFile } from './archive-file.ts';

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
  /** Reads the entries of tar, tar.gz and zip data sets. */
  archives: ArchiveReader;
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
    case 'tar.gz':
    case 'zip': {
      const file = await openArchiveFile(real);
      try {
        yield* readArchive(file.source, kind, options);
      } finally {
        await file.close();
      }
      return;
    }
  }
}

/**
 * The entries of an archive from any source of bytes (a file, a download) as data set items: unsafe
 * names (zip-slip) and links refused, non-images and oversized entries skipped with their reason, only
 * the current entry's bytes in memory. Rejects with `invalid_input` for a corrupt archive.
 */
export async function* readArchive(
  source: ArchiveSource,
  format: ArchiveFormat,
  options: DatasetOptions,
): AsyncGenerator<DatasetItem> {
  const max = options.maxEntryBytes;
  for await (const entry of options.archives.entries(source, format)) {
    const { name } = entry;
    const unsafe = unsafeEntryName(name);
    if (unsafe) {
      yield { kind: 'rejected', entry: name, reason: 'unsafe_path', message: unsafe };
      continue;
    }
    if (entry.type === 'directory') continue;
    if (entry.type !== 'file') {
      yield { kind: 'rejected', entry: name, reason: 'not_a_file', message: `${entry.typeName} entry` };
      continue;
    }
    if (!isImagePath(name)) {
      yield notAnImage(name);
      continue;
    }
    if (entry.size > max) {
      yield tooLarge(name, entry.size, max);
      continue;
    }
    if (entry.compressedSize !== undefined && inflatesLikeABomb(entry.compressedSize, entry.size)) {
      const ratio = Math.round(entry.size / Math.max(1, entry.compressedSize));
      yield {
        kind: 'skip',
        entry: name,
        reason: 'too_large',
        message: `it inflates ${ratio} times (a compression bomb?)`,
      };
      continue;
    }
    let bytes: Uint8Array | null;
    try {
      bytes = await entry.read(max);
    } catch (error) {
      if (!entry.encrypted) throw error;
      yield { kind: 'skip', entry: name, reason: 'unreadable', message: 'encrypted entry' };
      continue;
    }
    yield bytes ? classify(name, bytes) : tooLarge(name, entry.size, max);
  }
}

/** A data set arriving as bytes (a download), its kind sniffed from its first bytes. */
export interface ArchiveStream {
  kind: ArchiveFormat;
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
  const name = path.basename(archive.label);
  if (archive.kind !== 'zip') {
    yield* readArchive({ name, stream: () => archive.bytes }, archive.kind, options);
    return;
  }
  for await (const _ of archive.bytes) {
    // the zip's index is at its end: only the download happens until then
  }
  const file = await openArchiveFile(archive.file, name);
  try {
    yield* readArchive(file.source, 'zip', options);
  } finally {
    await file.close();
  }
}

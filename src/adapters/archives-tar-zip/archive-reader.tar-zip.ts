import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import yauzl from 'yauzl';
import { inflatesLikeABomb, MAX_COMPRESSION_RATIO } from '../../core/compression-bomb.ts';
import { AppError } from '../../core/errors.ts';
import type {
  ArchiveEntry,
  ArchiveFormat,
  ArchiveReader,
  ArchiveSource,
} from '../../ports/archive-reader.ts';

/** Tar and tar.gz as a stream (tar-stream, zlib), zip through its directory (yauzl). */
export class TarZipArchiveReader implements ArchiveReader {
  entries(source: ArchiveSource, format: ArchiveFormat): AsyncIterable<ArchiveEntry> {
    return format === 'zip' ? zipEntries(source) : tarEntries(source, format === 'tar.gz');
  }
}

function corrupt(source: ArchiveSource, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('invalid_input', `corrupt archive ${source.name}: ${message}`, { cause: error });
}

function readable(bytes: AsyncIterable<Uint8Array>): Readable {
  return bytes instanceof Readable ? bytes : Readable.from(bytes, { objectMode: false });
}

/** The bytes of a stream, or null past `limit` (the rest is drained, never kept). */
async function readLimited(stream: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of stream) {
    size += part.byteLength;
    if (size <= limit) parts.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
  }
  return size > limit ? null : new Uint8Array(Buffer.concat(parts));
}

function tarType(type: string | null | undefined): ArchiveEntry['type'] {
  if (type === 'file' || type === 'contiguous-file') return 'file';
  if (type === 'directory') return 'directory';
  if (type === 'symlink' || type === 'link') return 'link';
  return 'other';
}

async function* tarEntries(source: ArchiveSource, gzip: boolean): AsyncGenerator<ArchiveEntry> {
  const extract = tarStream.extract();
  const input = readable(source.stream());
  const failure: { error?: unknown } = {};
  const fail = (error: unknown) => {
    failure.error ??= error;
    extract.destroy(error as Error);
  };
  input.on('error', fail);
  // An empty file is an empty data set; bytes without a single entry are not a tar.
  let bytes = 0;
  if (gzip) {
    const gunzip = createGunzip();
    gunzip.on('error', fail);
    let inflated = 0;
    gunzip.on('data', (piece: Uint8Array) => {
      inflated += piece.byteLength;
      if (inflatesLikeABomb(bytes, inflated))
        fail(new Error(`it inflates more than ${MAX_COMPRESSION_RATIO} times (a compression bomb?)`));
    });
    input.pipe(gunzip).pipe(extract);
  } else {
    input.pipe(extract);
  }
  input.on('data', (chunk: Uint8Array) => {
    bytes += chunk.byteLength;
  });
  let entries = 0;
  try {
    for await (const entry of extract) {
      entries++;
      const { name, type, size = 0 } = entry.header;
      let read = false;
      yield {
        name,
        type: tarType(type),
        typeName: String(type),
        size,
        encrypted: false,
        async read(limit) {
          read = true;
          try {
            return await readLimited(entry as AsyncIterable<Uint8Array>, limit);
          } catch (error) {
            throw corrupt(source, failure.error ?? error);
          }
        },
      };
      if (!read) entry.resume();
    }
  } catch (error) {
    throw corrupt(source, failure.error ?? error);
  } finally {
    input.destroy();
  }
  if (failure.error) throw corrupt(source, failure.error);
  if (entries === 0 && bytes > 0) throw corrupt(source, new Error('no tar entries found'));
}

/** yauzl reads the zip's directory and entries through the source's ranges. */
class RangeReader extends yauzl.RandomAccessReader {
  constructor(private readonly range: (start: number, end: number) => AsyncIterable<Uint8Array>) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return readable(this.range(start, end));
  }
}

async function openZip(source: ArchiveSource): Promise<yauzl.ZipFile> {
  const { range, size } = source;
  if (!range || size === undefined)
    throw new AppError(
      'invalid_input',
      `${source.name}: a zip archive is read from a file or a source that can seek, not a plain stream`,
    );
  return new Promise((resolve, reject) =>
    yauzl.fromRandomAccessReader(
      new RangeReader(range.bind(source)),
      size,
      { lazyEntries: true, decodeStrings: false, autoClose: true, validateEntrySizes: true },
      (error, zip) => (!error && zip ? resolve(zip) : reject(error)),
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

function zipType(name: string, entry: yauzl.Entry): [ArchiveEntry['type'], string] {
  if (name.endsWith('/')) return ['directory', 'directory'];
  const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
  return mode === 0o120000 ? ['link', 'symbolic link'] : ['file', 'file'];
}

/** The next entry of a lazily read zip, or null at its end. */
function nextZipEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
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
}

async function* zipEntries(source: ArchiveSource): AsyncGenerator<ArchiveEntry> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch (error) {
    throw corrupt(source, error);
  }
  const openEntry = (entry: yauzl.Entry): Promise<Readable> =>
    new Promise((resolve, reject) =>
      zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(error) : resolve(stream))),
    );
  try {
    for (;;) {
      let entry: yauzl.Entry | null;
      try {
        entry = await nextZipEntry(zip);
      } catch (error) {
        throw corrupt(source, error);
      }
      if (!entry) return;
      const current = entry;
      const name = zipEntryName(current);
      const [type, typeName] = zipType(name, current);
      yield {
        name,
        type,
        typeName,
        size: current.uncompressedSize,
        compressedSize: current.compressedSize,
        encrypted: (current.generalPurposeBitFlag & 0x1) !== 0,
        async read(limit) {
          try {
            return await readLimited(await openEntry(current), limit);
          } catch (error) {
            throw corrupt(source, error);
          }
        },
      };
    }
  } finally {
    zip.close();
  }
}

/** The archive formats a data set may come in. */
export type ArchiveFormat = 'tar' | 'tar.gz' | 'zip';

/**
 * The bytes of an archive, wherever they come from: a confined local file, a download. A tar (gzipped or
 * not) is read once from the first byte to the last; a zip keeps its directory at the end, so it is read
 * through `range`, and needs `size`.
 */
export interface ArchiveSource {
  /** Names the archive in errors (`corrupt archive NAME: …`): a file's base name, say. */
  readonly name: string;
  /** The length in bytes, where it is known. */
  readonly size?: number;
  /** Every byte, from the first, in order. */
  stream(): AsyncIterable<Uint8Array>;
  /** The bytes from `start` up to `end` (exclusive); absent where the source cannot seek. */
  range?(start: number, end: number): AsyncIterable<Uint8Array>;
}

/** One entry of an archive, as the archive describes it. */
export interface ArchiveEntry {
  /** Its path in the archive, as stored: unchecked (`..` and absolute names are the caller's to refuse). */
  readonly name: string;
  /** `link`: symbolic and hard links; `other`: devices, FIFOs and the like. */
  readonly type: 'file' | 'directory' | 'link' | 'other';
  /** The archive's own word for the type (`symlink`, `character-device`, `symbolic link`), for messages. */
  readonly typeName: string;
  /** The uncompressed size the archive declares. */
  readonly size: number;
  /** The size stored, where the archive compresses entry by entry (zip); absent for a tar. */
  readonly compressedSize?: number;
  /** The entry is encrypted: reading it fails. */
  readonly encrypted: boolean;
  /**
   * Its bytes, or null when there are more than `limit` (the rest is read past, never kept). Only while
   * this entry is the current one; an entry not read is skipped when the next is asked for.
   */
  read(limit: number): Promise<Uint8Array | null>;
}

/**
 * Reads the entries of an archive one at a time, in archive order, holding at most the current entry's
 * bytes. Rejects (the iteration, or `read`) with AppError `invalid_input` "corrupt archive NAME: …" when the
 * bytes are not a well-formed archive of the format or a gzip inflates like a compression bomb, and for a
 * zip from a source without `range` or `size`. An AppError from the source itself (a failed download)
 * comes through as it is.
 */
export interface ArchiveReader {
  entries(source: ArchiveSource, format: ArchiveFormat): AsyncIterable<ArchiveEntry>;
}

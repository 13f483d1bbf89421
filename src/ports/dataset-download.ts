/** What the first bytes of a download say it is (never the URL's name or the Content-Type header). */
export type ArchiveKind = 'tar' | 'tar.gz' | 'zip';

export interface DownloadProgress {
  /** Bytes of the resource on disk so far (a part kept from an earlier attempt included). */
  bytes: number;
  /** The resource's size when the server said it (Content-Length / Content-Range), else null. */
  totalBytes: number | null;
  /** Bytes per second over this download so far (0 at the start). */
  bytesPerSecond: number;
  /** Whether every byte is in. */
  complete: boolean;
}

/** A download under way: the connection is open, its first bytes read and checked. */
export interface OpenedDownload {
  readonly kind: ArchiveKind;
  readonly totalBytes: number | null;
  /** The URL as it may be shown and logged: no credentials, no query string (it may hold a signature). */
  readonly label: string;
  /**
   * The whole resource from its first byte, as it arrives: a part kept on disk by an earlier
   * attempt first, then the network. Each piece is on disk before it is yielded; a dropped connection
   * is resumed with a range request. Rejects with an AppError (too large, changed on the server,
   * timeouts, retries used up).
   */
  bytes(onProgress?: (progress: DownloadProgress) => void): AsyncIterable<Uint8Array>;
  /** The local copy, complete once `bytes()` has ended (zip archives are read from it: their index is at the end). */
  readonly file: string;
  /** Stops the download; the part on disk stays, for a later `open` with the same spool key. */
  close(): Promise<void>;
  /** Stops the download and deletes the local copy. */
  remove(): Promise<void>;
}

/**
 * Data sets named by an http(s) URL. The adapter decides which URLs may be fetched (allow list,
 * address rules) and keeps a local copy per spool key, so an interrupted download resumes.
 */
export interface DatasetDownloader {
  /**
   * Refuses a URL this configuration does not allow, before any network access (AppError); returns
   * the URL as it may be shown and logged (no credentials, no query string).
   */
  check(url: string): string;
  /**
   * Connects (following redirects, each one checked again), reads the first bytes and checks them.
   * A part already kept under `spoolKey` is resumed with a range request.
   */
  open(url: string, spoolKey: string): Promise<OpenedDownload>;
}

/** Whether a data set source names a URL rather than a path (paths are stored absolute). */
export function isUrlSource(source: { path: string }): boolean {
  return /^https?:\/\//i.test(source.path);
}

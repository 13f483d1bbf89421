import type { FileHandle } from 'node:fs/promises';
import { open as openFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { AllowedHost } from '../../core/host-allow-list.ts';
import type {
  ArchiveKind,
  DatasetDownloader,
  DownloadProgress,
  OpenedDownload,
} from '../../ports/dataset-download.ts';
import type { Logger } from '../../ports/logger.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../blobs-fs/private-files.ts';
import { describeError, guardedGet } from './guarded-request.ts';
import { describeHead, SNIFF_BYTES, sniffArchive } from './sniff-archive.ts';
import { checkDatasetUrl, safeLabel } from './url-policy.ts';

export interface HttpDatasetDownloaderOptions {
  /** DATASET_URL_ALLOW; empty: URL data sets are off. */
  allow: readonly AllowedHost[];
  /** Where the local copies live (one `<key>.part` file and its `<key>.part.json` validators each). */
  spoolDir: string;
  /** DATASET_URL_MAX_BYTES: a larger resource is refused (from its Content-Length, or as it arrives). */
  maxBytes: number;
  /** DATASET_URL_TIMEOUT_MS: the whole download, resumes included. */
  timeoutMs: number;
  /** DATASET_URL_IDLE_TIMEOUT_MS: no byte for this long while waiting for one counts as a dropped connection. */
  idleTimeoutMs: number;
  /** Resumes tried in a row without a byte gained before the download fails. */
  retries?: number;
  log: Logger;
}

/** What the server said about the resource, kept next to the part so a resume can ask for the same one. */
interface Validators {
  url: string;
  etag: string | null;
  lastModified: string | null;
  totalBytes: number | null;
}

const DEFAULT_RETRIES = 5;
/** Connections tried for the first bytes of a download before it fails. */
const FIRST_BYTES_ATTEMPTS = 3;

function header(response: IncomingMessage, name: string): string | null {
  const value = response.headers[name];
  return typeof value === 'string' ? value : null;
}

function validatorsOf(response: IncomingMessage, url: string, totalBytes: number | null): Validators {
  return { url, etag: header(response, 'etag'), lastModified: header(response, 'last-modified'), totalBytes };
}

/** Range headers that resume at `offset`, only for the same version of the resource (If-Range). */
function rangeHeaders(offset: number, known: Validators | null): Record<string, string> {
  const headers: Record<string, string> = { range: `bytes=${offset}-` };
  // If-Range takes a strong ETag or a date; a weak ETag may not be used there
  if (known?.etag && !known.etag.startsWith('W/')) headers['if-range'] = known.etag;
  else if (known?.lastModified) headers['if-range'] = known.lastModified;
  return headers;
}

function changed(label: string): AppError {
  return new AppError(
    'invalid_input',
    `${label} changed on the server while it was being downloaded; start a new job to read the new version`,
  );
}

class Dropped extends Error {}

/** A dropped or stalled connection, a network error or a 5xx answer is worth a resume; a refusal is not. */
function isRetryable(error: unknown): boolean {
  if (error instanceof Dropped) return true;
  if (error instanceof AppError) return error.retryable;
  return !(error instanceof Error && error.name === 'AbortError');
}

/** Waits for the next piece of the body, at most `ms`: a stalled server counts as a dropped connection. */
async function nextWithin<T>(
  iterator: AsyncIterator<T>,
  ms: number,
  onStall: () => void,
): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onStall();
      reject(new Dropped(`no data for ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([iterator.next(), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/** One download: its connection (replaced on each resume), its local copy and its state. */
class HttpDownload implements OpenedDownload {
  kind: ArchiveKind = 'tar';
  totalBytes: number | null = null;
  readonly label: string;
  private response: IncomingMessage | null = null;
  private bodyIterator: AsyncIterator<Buffer> | null = null;
  /** Bytes of the body already read (the sniffed head), written and yielded before the rest. */
  private pending: Buffer[] = [];
  /** Bytes on disk. */
  private have = 0;
  /** Bytes of a 200 answer to a range request still to compare with the local copy and drop. */
  private skip = 0;
  private validators: Validators | null = null;
  private readonly controller = new AbortController();
  private readonly totalTimer: NodeJS.Timeout;
  private timedOut = false;
  private closed = false;
  private readonly startedAt = Date.now();
  private startedWith = 0;

  constructor(
    private readonly url: URL,
    readonly file: string,
    private readonly options: HttpDatasetDownloaderOptions,
  ) {
    this.label = safeLabel(url);
    this.totalTimer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, options.timeoutMs);
    this.totalTimer.unref();
  }

  private get metaFile() {
    return `${this.file}.json`;
  }

  private timeoutError(): AppError {
    return new AppError(
      'invalid_input',
      `the download of ${this.label} took longer than DATASET_URL_TIMEOUT_MS (${this.options.timeoutMs} ms)`,
    );
  }

  /** Opens the connection (resuming a kept part) and reads enough of it to know what it is. */
  async start(): Promise<void> {
    await ensurePrivateDir(this.options.spoolDir);
    this.have = await stat(this.file).then(
      (s) => s.size,
      () => 0,
    );
    if (this.have > 0) {
      this.validators = await readFile(this.metaFile, 'utf8')
        .then((text) => JSON.parse(text) as Validators)
        .catch(() => null);
      if (this.validators?.url !== this.url.href || this.have < SNIFF_BYTES) {
        // not a part of this URL (or its validators are lost), or too little to bother: start again
        await this.discard();
        this.have = 0;
        this.validators = null;
      }
    }
    this.startedWith = this.have;
    let head: Uint8Array | undefined;
    // A connection dropped before its first bytes were read is tried again, like a drop later on:
    // a loaded machine may see the drop before it read what had already arrived.
    for (let attempt = 1; !head; attempt++) {
      await this.connect();
      try {
        head = await this.readHead();
      } catch (error) {
        if (this.timedOut) throw this.timeoutError();
        this.response?.destroy();
        this.pending = [];
        const why = error instanceof Error ? error.message : String(error);
        if (attempt >= FIRST_BYTES_ATTEMPTS)
          throw new AppError('invalid_input', `${this.label}: the first bytes did not arrive (${why})`);
        this.options.log.warn(
          { url: this.label, attempt, why },
          'the first bytes did not arrive; trying again',
        );
      }
    }
    const kind = sniffArchive(head);
    if (!kind)
      throw new AppError(
        'invalid_input',
        `${this.label} is not a .tar, .tar.gz or .zip archive (${describeHead(head)})`,
      );
    this.kind = kind;
  }

  /** The first SNIFF_BYTES of the resource: from the kept part, then from the body (kept as pending). */
  private async readHead(): Promise<Uint8Array> {
    let head: Buffer = Buffer.alloc(0);
    if (this.have > 0) {
      const kept = await openFile(this.file, 'r');
      try {
        const { bytesRead, buffer } = await kept.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
        head = buffer.subarray(0, bytesRead);
      } finally {
        await kept.close();
      }
    }
    const body = this.bodyIterator;
    while (head.length < SNIFF_BYTES && body && this.skip === 0) {
      const next = await this.nextPiece(body);
      if (next.done) break;
      if (next.value.length === 0) continue;
      this.pending.push(next.value);
      head = Buffer.concat([head, next.value]);
    }
    return head;
  }

  private nextPiece(body: AsyncIterator<Buffer>): Promise<IteratorResult<Buffer>> {
    return nextWithin(body, this.options.idleTimeoutMs, () => this.response?.destroy());
  }

  /**
   * A GET for what is still missing: from the start, or a range request from `have` that only counts
   * for the same version (If-Range). The answer decides how the body continues the local copy.
   */
  private async connect(): Promise<void> {
    if (this.closed) throw new AppError('invalid_input', 'the download was stopped');
    const resuming = this.have > 0;
    let answer: Awaited<ReturnType<typeof guardedGet>>;
    try {
      answer = await guardedGet(this.url, {
        allow: this.options.allow,
        headers: resuming ? rangeHeaders(this.have, this.validators) : {},
        signal: this.controller.signal,
        idleTimeoutMs: this.options.idleTimeoutMs,
      });
    } catch (error) {
      if (this.timedOut) throw this.timeoutError();
      throw describeError(error, this.url);
    }
    const { response } = answer;
    this.response = response;
    this.bodyIterator = null;
    const status = response.statusCode ?? 0;
    const length = Number(header(response, 'content-length') ?? Number.NaN);
    if (status === 206 && resuming) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(response, 'content-range') ?? '');
      const total = range?.[3] === '*' || !range ? null : Number(range[3]);
      if (!range || Number(range[1]) !== this.have) {
        response.destroy();
        throw new AppError(
          'invalid_input',
          `${this.label}: the server answered the range request from byte ${this.have} with another range (${header(response, 'content-range') ?? 'none'})`,
        );
      }
      const etag = header(response, 'etag');
      if (
        (this.validators?.totalBytes != null && total !== null && total !== this.validators.totalBytes) ||
        (this.validators?.etag && etag && etag !== this.validators.etag)
      ) {
        response.destroy();
        throw changed(this.label);
      }
      this.totalBytes = total ?? this.validators?.totalBytes ?? null;
      this.skip = 0;
    } else if (status === 200) {
      // A fresh download, or a server that ignores ranges (or a new version: If-Range failed). The
      // bytes already on disk are compared with the new body and dropped: never read twice.
      this.totalBytes = Number.isFinite(length) ? length : null;
      this.skip = this.have;
      if (resuming) {
        this.options.log.info(
          { url: this.label, have: this.have },
          'the server answered a range request with the whole file; the part already here is compared and skipped',
        );
        if (
          this.validators?.totalBytes != null &&
          this.totalBytes !== null &&
          this.totalBytes !== this.validators.totalBytes
        ) {
          response.destroy();
          throw changed(this.label);
        }
      }
      this.validators = validatorsOf(response, this.url.href, this.totalBytes);
      await writeFile(this.metaFile, JSON.stringify(this.validators), { mode: PRIVATE_FILE_MODE });
    } else if (status === 416 && resuming && this.validators?.totalBytes === this.have) {
      // everything was here already
      response.destroy();
      this.totalBytes = this.have;
      this.response = null;
      return;
    } else {
      response.destroy();
      const what =
        status === 416
          ? `the server refuses to send the rest from byte ${this.have}${
              this.validators?.totalBytes != null ? ` of the ${this.validators.totalBytes} it announced` : ''
            } (416)`
          : `the server answered ${status} ${response.statusMessage ?? ''}`.trim();
      throw new AppError('invalid_input', `cannot download ${this.label}: ${what}`, {
        retryable: status >= 500 || status === 429,
      });
    }
    if (this.totalBytes !== null && this.totalBytes > this.options.maxBytes) {
      response.destroy();
      throw new AppError(
        'payload_too_large',
        `${this.label} is ${this.totalBytes} bytes, more than DATASET_URL_MAX_BYTES (${this.options.maxBytes})`,
      );
    }
    this.bodyIterator = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  private progress(complete: boolean): DownloadProgress {
    const seconds = (Date.now() - this.startedAt) / 1000;
    return {
      bytes: this.have,
      totalBytes: this.totalBytes,
      bytesPerSecond: seconds > 0 ? (this.have - this.startedWith) / seconds : 0,
      complete,
    };
  }

  async *bytes(onProgress: (progress: DownloadProgress) => void = () => {}): AsyncGenerator<Uint8Array> {
    const kept = this.have;
    // the part kept from an earlier attempt, read back from the start (the reader needs every byte)
    if (kept > 0) {
      const input = await openFile(this.file, 'r');
      try {
        const buffer = Buffer.alloc(256 * 1024);
        for (let offset = 0; offset < kept; ) {
          const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, kept - offset), offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          yield Buffer.from(buffer.subarray(0, bytesRead));
        }
      } finally {
        await input.close();
      }
    }
    // read as well as written: a whole-file answer to a range request is compared with what is here
    const output = await openFile(this.file, this.have > 0 ? 'r+' : 'w+', PRIVATE_FILE_MODE);
    let failures = 0;
    let reconnect = false;
    try {
      for (;;) {
        const before = this.have;
        try {
          if (reconnect) {
            reconnect = false;
            await this.connect();
          }
          for (;;) {
            const piece = await this.nextBodyPiece();
            if (piece === null) break;
            const fresh = await this.dropSkipped(output, piece);
            if (fresh.length === 0) continue;
            if (this.have + fresh.length > this.options.maxBytes)
              throw new AppError(
                'payload_too_large',
                `${this.label} is larger than DATASET_URL_MAX_BYTES (${this.options.maxBytes} bytes)`,
              );
            await output.write(fresh, 0, fresh.length, this.have);
            this.have += fresh.length;
            onProgress(this.progress(false));
            yield fresh;
          }
          if (this.skip > 0) throw new Dropped(`the body ended before the ${this.have} bytes already here`);
          if (this.totalBytes !== null && this.have < this.totalBytes)
            throw new Dropped(`the connection closed at byte ${this.have} of ${this.totalBytes}`);
          break;
        } catch (error) {
          if (this.timedOut) throw this.timeoutError();
          if (this.closed || !isRetryable(error))
            throw error instanceof AppError ? error : describeError(error, this.url);
          failures = this.have > before ? 1 : failures + 1;
          const why = error instanceof Error ? error.message : String(error);
          const retries = this.options.retries ?? DEFAULT_RETRIES;
          if (failures > retries)
            throw new AppError(
              'invalid_input',
              `the download of ${this.label} broke off at byte ${this.have}${
                this.totalBytes === null ? '' : ` of ${this.totalBytes}`
              } and ${retries} attempts to resume it failed (${why})`,
            );
          this.options.log.warn(
            { url: this.label, have: this.have, total: this.totalBytes, attempt: failures, why },
            'dataset download interrupted; resuming with a range request',
          );
          this.response?.destroy();
          this.pending = [];
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** (failures - 1))));
          reconnect = true;
        }
      }
    } finally {
      await output.close();
      this.response?.destroy();
    }
    clearTimeout(this.totalTimer);
    this.totalBytes ??= this.have;
    onProgress(this.progress(true));
  }

  /** The next piece of the body (the sniffed head first), or null at its end. */
  private async nextBodyPiece(): Promise<Buffer | null> {
    const head = this.pending.shift();
    if (head) return head;
    if (!this.bodyIterator) return null;
    const next = await this.nextPiece(this.bodyIterator);
    return next.done ? null : next.value;
  }

  /** Compares the start of a whole-file answer with the local copy and drops it; the rest is new. */
  private async dropSkipped(local: FileHandle, piece: Buffer): Promise<Buffer> {
    if (this.skip === 0) return piece;
    const n = Math.min(this.skip, piece.length);
    const offset = this.have - this.skip;
    const mine = Buffer.alloc(n);
    await local.read(mine, 0, n, offset);
    if (!mine.equals(piece.subarray(0, n))) {
      this.response?.destroy();
      throw changed(this.label);
    }
    this.skip -= n;
    return piece.subarray(n);
  }

  private async discard(): Promise<void> {
    await rm(this.file, { force: true });
    await rm(this.metaFile, { force: true });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.totalTimer);
    this.controller.abort();
    this.response?.destroy();
  }

  async remove(): Promise<void> {
    await this.close();
    await this.discard();
  }
}

/** Spool keys are job ids; anything else is refused rather than used in a file name. */
function spoolFile(dir: string, key: string): string {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(key)) throw new AppError('invalid_input', `not a spool key: ${key}`);
  return path.join(dir, `${key}.part`);
}

/** Data sets over http(s) with node:http: allow list, address rules at connect time, resume, limits. */
export class HttpDatasetDownloader implements DatasetDownloader {
  constructor(private readonly options: HttpDatasetDownloaderOptions) {}

  check(url: string): string {
    return safeLabel(checkDatasetUrl(url, this.options.allow));
  }

  async open(url: string, spoolKey: string): Promise<OpenedDownload> {
    const checked = checkDatasetUrl(url, this.options.allow);
    const download = new HttpDownload(checked, spoolFile(this.options.spoolDir, spoolKey), this.options);
    try {
      await download.start();
    } catch (error) {
      // a job whose download cannot even start fails; what was kept of it is of no further use
      await download.remove();
      throw error;
    }
    return download;
  }
}

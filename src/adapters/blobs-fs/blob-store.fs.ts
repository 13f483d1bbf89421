import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { ensurePrivateDir, ensurePrivateDirSync, PRIVATE_FILE_MODE } from './private-files.ts';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Content-addressed files under `<root>/<ab>/<cd>/<sha256>`. Writes go to a temporary file that is
 * renamed into place, so a reader never sees half a blob and a crash leaves no torn file.
 * Durability matches the store's (SQLite WAL, synchronous=NORMAL): a killed process loses nothing,
 * because the bytes are in the OS page cache before the row that names them is committed; there is
 * no fsync per photo (it cost more than the rest of an upload together).
 * Photos up to `syncBelowBytes` are written with synchronous calls: a few tens of microseconds into the page
 * cache, where four round trips each through libuv's four-thread pool (shared with sharp) queued for tens of
 * milliseconds under upload load.
 */
export class FsBlobStore implements BlobStore {
  private readonly made = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly syncBelowBytes = 1024 * 1024,
  ) {}

  private pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new AppError('invalid_input', 'not a sha256 key');
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(bytes: Uint8Array): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = this.pathOf(sha256);
    const dir = join(this.root, sha256.slice(0, 2), sha256.slice(2, 4));
    // Writing the same bytes again and renaming over the old file is harmless, and cheaper than asking first.
    const temp = join(dir, `.${sha256}.${randomBytes(6).toString('hex')}.tmp`);
    // Private (0600 in 0700 folders), set with chmod so that the umask cannot widen it.
    if (bytes.byteLength < this.syncBelowBytes) {
      if (!this.made.has(dir)) this.makeDirsSync(sha256);
      const fd = openSync(temp, 'wx', PRIVATE_FILE_MODE);
      try {
        fchmodSync(fd, PRIVATE_FILE_MODE);
        writeFileSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
    } else {
      if (!this.made.has(dir)) await this.makeDirs(sha256);
      const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
      try {
        await handle.chmod(PRIVATE_FILE_MODE);
        await handle.writeFile(bytes);
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    }
    this.made.add(dir);
    return { sha256, size: bytes.byteLength };
  }

  /** The root, `<ab>` and `<ab>/<cd>` folders of a blob, each 0700. */
  private dirsOf(sha256: string): string[] {
    const ab = join(this.root, sha256.slice(0, 2));
    return [this.root, ab, join(ab, sha256.slice(2, 4))];
  }

  private makeDirsSync(sha256: string): void {
    for (const dir of this.dirsOf(sha256)) ensurePrivateDirSync(dir);
  }

  private async makeDirs(sha256: string): Promise<void> {
    for (const dir of this.dirsOf(sha256)) await ensurePrivateDir(dir);
  }

  async get(sha256: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.pathOf(sha256)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new AppError('not_found', `no stored photo with sha256 ${sha256}`, { cause: error });
      throw error;
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await stat(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }
}

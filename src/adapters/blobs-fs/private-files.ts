import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Modes of what faceflow writes under DATA_DIR (photos, embeddings, uploaded archives): readable by the
 * service's own user only. A file created without a mode gets 0666 less the umask (0644, world-readable,
 * with the usual 022), and a mode given to open/mkdir is narrowed by the umask too, so the modes are set
 * with chmod after creating: the same whatever the umask.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** A folder that is not ours to chmod (a volume mounted by root, say) keeps its mode. */
function notPermitted(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPERM' || code === 'EACCES';
}

/**
 * Creates `dir` and any missing parents with mode 0700 (chmod, so the umask does not matter). With `own`
 * (DATA_DIR and faceflow's folders in it) an existing `dir` is set to 0700 too, where the process may;
 * without it (the folder of a DATABASE_URL file, which may be shared) only what was created is.
 */
export function ensurePrivateDirSync(dir: string, own = true): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first) for (const made of madeFrom(first, dir)) chmodSync(made, PRIVATE_DIR_MODE);
  else if (own)
    try {
      chmodSync(dir, PRIVATE_DIR_MODE);
    } catch (error) {
      if (!notPermitted(error)) throw error;
    }
}

/** As ensurePrivateDirSync, without blocking the event loop. */
export async function ensurePrivateDir(dir: string, own = true): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first) for (const made of madeFrom(first, dir)) await chmod(made, PRIVATE_DIR_MODE);
  else if (own)
    await chmod(dir, PRIVATE_DIR_MODE).catch((error: unknown) => {
      if (!notPermitted(error)) throw error;
    });
}

/** Creates `file` empty if it does not exist, and sets it to mode 0600. */
export function ensurePrivateFileSync(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}

/** Sets `file` to mode 0600 if it exists. */
export function makePrivateIfExistsSync(file: string): void {
  try {
    chmodSync(file, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * A random secret (384 bits, base64url) kept in `file` (mode 0600): read when it is there, else generated
 * and written with O_EXCL, so that processes sharing the folder agree on one (the JWT secret and the TOTP
 * key of a single-process installation).
 */
export function readOrCreateSecret(file: string): string {
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return existing;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(48).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process on the same DATA_DIR wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
}

/** `first` (what mkdir -p created first) and every folder below it down to `dir`. */
function madeFrom(first: string, dir: string): string[] {
  const out: string[] = [];
  let current = resolve(dir);
  const top = resolve(first);
  while (current.length >= top.length) {
    out.unshift(current);
    if (current === top) break;
    current = dirname(current);
  }
  return out;
}

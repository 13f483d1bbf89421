import { realpath, stat } from 'node:fs/promises';
import { readRegularFile } from '../app/confine-path.ts';
import { walkFolder } from '../app/file-entry.ts';
import { AppError } from '../core/errors.ts';
import { isImagePath } from '../core/image-path.ts';

async function statOrThrow(target: string) {
  try {
    return await stat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EACCES' ? 'permission denied' : 'no such file or directory';
    throw new AppError('not_found', `cannot read ${target}: ${reason}`, { cause: error });
  }
}

/**
 * Expands a path into photo files: a file is taken as it is (whatever its extension, so that a
 * non-image gets a clear decoding error), a folder is searched recursively for image extensions
 * (each real file once, link loops harmless; FIFOs, sockets and devices in it are passed over).
 * A path that is neither a regular file nor a folder is refused before anything opens it.
 */
export async function listImages(target: string): Promise<string[]> {
  const info = await statOrThrow(target);
  if (info.isFile()) return [target];
  if (!info.isDirectory())
    throw new AppError('invalid_image', `${target} is not a regular file or a folder (a FIFO or device?)`);
  const out: string[] = [];
  for await (const entry of walkFolder(await realpath(target), null, target))
    if ('real' in entry && isImagePath(entry.path)) out.push(entry.path);
  if (out.length === 0) throw new AppError('no_images', `no images found in ${target}`);
  return out;
}

/** Reads a photo (or another input file) named on the command line: a regular file only, never a FIFO or device. */
export async function readImageFile(file: string): Promise<Uint8Array> {
  try {
    return await readRegularFile(file);
  } catch (error) {
    if (error instanceof AppError)
      throw new AppError(error.code, `cannot read ${file}: ${error.message}`, { cause: error });
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a folder' : 'no such file';
    throw new AppError('not_found', `cannot read ${file}: ${reason}`, { cause: error });
  }
}

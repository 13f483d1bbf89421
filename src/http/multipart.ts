import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyMultipartBaseOptions } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { ensurePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../adapters/blobs-fs/private-files.ts';
import { AppError } from '../core/errors.ts';

/** Form fields (not files) in one multipart request. */
export const MAX_FORM_FIELDS = 50;

export interface UploadLimits {
  /** MAX_UPLOAD_BYTES: bytes per file. */
  maxUploadBytes: number;
  /** MAX_UPLOAD_FILES: files per request. */
  maxUploadFiles: number;
}

/**
 * The 413 for a multipart limit the parser hit, naming that limit (files per request, bytes per file,
 * form fields); null for any other error.
 */
export function multipartLimitError(error: unknown, limits: UploadLimits): AppError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'FST_FILES_LIMIT')
    return new AppError(
      'payload_too_large',
      `the request holds more than MAX_UPLOAD_FILES (${limits.maxUploadFiles}) files; nothing was stored`,
      { cause: error },
    );
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return new AppError(
      'payload_too_large',
      `a file is larger than MAX_UPLOAD_BYTES (${limits.maxUploadBytes} bytes); nothing was stored`,
      { cause: error },
    );
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT')
    return new AppError(
      'payload_too_large',
      `the request holds more than ${MAX_FORM_FIELDS} form fields; nothing was stored`,
      { cause: error },
    );
  return null;
}

export interface UploadedFile {
  file: string;
  /** The bytes, or the error that made this file unreadable (too large). */
  bytes: Uint8Array | null;
  error: AppError | null;
}

/** A file name as sent, without control characters (it is stored and shown; PostgreSQL cannot store a NUL). */
function printable(name: string): string {
  return [...name].filter((c) => c > '\u001f' && c !== '\u007f').join('');
}

/** The plugin reads this per call; its typing of `parts()` leaves it out. */
const KEEP_GOING_PAST_LARGE_FILES: FastifyMultipartBaseOptions = { throwFileSizeLimit: false };

/**
 * The file parts of a multipart request, one at a time (only one file is held in memory while the
 * caller handles it); a file over the size limit comes as an error, not thrown.
 */
export async function* uploadedFiles(
  request: FastifyRequest,
  maxUploadBytes: number,
): AsyncGenerator<UploadedFile> {
  // A file over the limit arrives truncated instead of failing the whole request: with the plugin's
  // default, the iteration would end in a 413 after the files before it had been stored.
  for await (const part of request.parts(KEEP_GOING_PAST_LARGE_FILES)) {
    if (part.type !== 'file') continue;
    const file = printable(part.filename || part.fieldname || '') || 'upload';
    const buffer = await part.toBuffer();
    if (part.file.truncated)
      yield {
        file,
        bytes: null,
        error: new AppError(
          'payload_too_large',
          `the file is larger than MAX_UPLOAD_BYTES (${maxUploadBytes} bytes)`,
        ),
      };
    else
      yield { file, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), error: null };
  }
}

/** The single file of a multipart request (enroll, identify). */
export async function readSingleFile(request: FastifyRequest, maxUploadBytes: number): Promise<Uint8Array> {
  const files: UploadedFile[] = [];
  for await (const file of uploadedFiles(request, maxUploadBytes)) files.push(file);
  if (files.length !== 1)
    throw new AppError('invalid_input', `expected exactly one file, got ${files.length}`);
  const [only] = files as [UploadedFile];
  if (only.error) throw only.error;
  return only.bytes as Uint8Array;
}

/** A file of a multipart request, written to a private staging file (or the reason it could not be). */
export interface StagedFile {
  file: string;
  /** Null when `error` is set. */
  path: string | null;
  error: AppError | null;
}

export interface StagedUpload {
  files: StagedFile[];
  /** The bytes of one staged file (read when it is its turn, so one file at a time is in memory). */
  read(file: StagedFile): Promise<Uint8Array>;
  /** Removes the staged files. */
  discard(): Promise<void>;
}

/**
 * Reads the whole multipart request before anything is stored: every file part is streamed to a private
 * file (mode 0600) in a fresh folder under `stagingDir`. A request that breaks a limit (too many files,
 * too many fields) is refused with a 413 naming it, and its staged files are removed: the files before
 * the one that broke the limit are never stored, processed or announced. A single file over
 * MAX_UPLOAD_BYTES is not a reason to refuse the others; it comes back with its error.
 */
export async function stageUploadedFiles(
  request: FastifyRequest,
  stagingDir: string,
  limits: UploadLimits,
): Promise<StagedUpload> {
  await ensurePrivateDir(stagingDir);
  const dir = await mkdtemp(join(stagingDir, 'upload-'));
  await chmod(dir, PRIVATE_DIR_MODE);
  const discard = () => rm(dir, { recursive: true, force: true });
  const files: StagedFile[] = [];
  try {
    for await (const part of request.parts(KEEP_GOING_PAST_LARGE_FILES)) {
      if (part.type !== 'file') continue;
      const file = printable(part.filename || part.fieldname || '') || 'upload';
      const path = join(dir, String(files.length));
      const out = createWriteStream(path, { flags: 'wx', mode: PRIVATE_FILE_MODE });
      await pipeline(part.file, out);
      await chmod(path, PRIVATE_FILE_MODE);
      if (part.file.truncated) {
        await rm(path, { force: true });
        files.push({
          file,
          path: null,
          error: new AppError(
            'payload_too_large',
            `the file is larger than MAX_UPLOAD_BYTES (${limits.maxUploadBytes} bytes)`,
          ),
        });
      } else files.push({ file, path, error: null });
    }
  } catch (error) {
    await discard();
    throw multipartLimitError(error, limits) ?? error;
  }
  return {
    files,
    async read(staged) {
      if (staged.error) throw staged.error;
      const buffer = await readFile(staged.path as string);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    },
    discard,
  };
}

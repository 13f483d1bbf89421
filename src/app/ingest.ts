import { AppError, type ErrorInfo, toErrorInfo } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { ImageStatus } from '../core/image-status.ts';
import { sniffMediaType } from '../core/media-type.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { ImageCodec } from '../ports/image-decoder.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import { noTracer, type Tracer } from '../ports/tracer.ts';
import { readRegularFile } from './confine-path.ts';
import { type ImportRoots, listImportFiles, resolveImportPath } from './import-path.ts';

export interface IngestDeps {
  /** `recovery`: the photo page's Retry (retry-image.ts) runs on these deps too. */
  stores: Pick<PhotoStores, 'images' | 'recovery'>;
  blobs: BlobStore;
  codec: ImageCodec;
  events: EventBus;
  clock: Clock;
  maxUploadBytes: number;
  importRoots: ImportRoots;
  /** Called after a new photo was stored (e.g. to drain the outbox at once). */
  afterIngest?: () => void;
  maxImportFiles?: number;
  /** Each stored photo gets a span; its context is stored with the photo and travels with its jobs. */
  tracer?: Tracer;
}

export interface IngestedImage {
  id: string;
  file: string;
  status: ImageStatus;
  duplicate: boolean;
}

export interface RejectedFile {
  file: string;
  error: Pick<ErrorInfo, 'code' | 'message'>;
}

export interface IngestResult {
  images: IngestedImage[];
  rejected: RejectedFile[];
}

/** Checks the limits every stored photo must meet; throws the AppError a client sees. */
export function checkUploadSize(size: number, maxUploadBytes: number): void {
  if (size === 0) throw new AppError('invalid_image', 'the file is empty (0 bytes)');
  if (size > maxUploadBytes)
    throw new AppError(
      'payload_too_large',
      `the file is larger than MAX_UPLOAD_BYTES (${maxUploadBytes} bytes)`,
    );
}

/**
 * Stores one photo: validated (decodable, not a decompression bomb), its bytes content-addressed, its row
 * and processing job written in one transaction. The same bytes again give the same photo (`duplicate`).
 */
export async function ingestBytes(
  deps: IngestDeps,
  bytes: Uint8Array,
  file: string,
  requestId: string | null,
  importPath: string | null = null,
): Promise<IngestedImage> {
  checkUploadSize(bytes.byteLength, deps.maxUploadBytes);
  const { image, duplicate } = await (deps.tracer ?? noTracer).inSpan(
    'photo ingest',
    { attributes: { 'faceflow.photo.bytes': bytes.byteLength } },
    async (span) => {
      const pixels = await deps.codec.inspect(bytes);
      const { sha256, size } = await deps.blobs.put(bytes);
      return deps.stores.images.createImage(
        {
          sha256,
          size,
          mediaType: sniffMediaType(bytes),
          file,
          importPath,
          requestId,
          width: pixels.width,
          height: pixels.height,
          trace: span.carrier,
        },
        deps.clock.now(),
      );
    },
  );
  if (!duplicate) {
    deps.events.publish({
      type: 'image',
      data: { id: image.id, status: image.status, faces: 0, people: [] },
    });
    deps.afterIngest?.();
  }
  return { id: image.id, file, status: image.status, duplicate };
}

/** Ingests a batch, turning each failure into a rejection of that file only. */
export async function ingestMany(
  deps: IngestDeps,
  files: { file: string; load: () => Promise<Uint8Array>; importPath?: string }[],
  requestId: string | null,
): Promise<IngestResult> {
  const result: IngestResult = { images: [], rejected: [] };
  for (const item of files) {
    try {
      const bytes = await item.load();
      result.images.push(await ingestBytes(deps, bytes, item.file, requestId, item.importPath ?? null));
    } catch (error) {
      const { code, message } = toErrorInfo(error);
      result.rejected.push({ file: item.file, error: { code, message } });
    }
  }
  return result;
}

/** Reads an imported file: a regular file only (never blocks on a FIFO or device), within the size limit. */
function readLimited(path: string, maxBytes: number): Promise<Uint8Array> {
  return readRegularFile(path, (size) => checkUploadSize(size, maxBytes));
}

/**
 * Imports a file or a folder (recursively) from under IMPORT_ROOTS. The bytes are copied into the blob
 * store, so deleting faceflow's data never touches the originals. Nothing outside the roots is opened.
 */
export async function ingestPath(
  deps: IngestDeps,
  path: string,
  requestId: string | null,
): Promise<IngestResult> {
  const real = await resolveImportPath(path, deps.importRoots);
  const entries = await listImportFiles(real, deps.importRoots, deps.maxImportFiles ?? 100_000);
  if (entries.length === 0) throw new AppError('no_images', 'the folder holds no files');
  const jobId = newId('imp', deps.clock.now());
  const total = entries.length;
  const result: IngestResult = { images: [], rejected: [] };
  const progress = (state: 'running' | 'done') =>
    deps.events.publish({
      type: 'job',
      data: { id: jobId, kind: 'import', state, done: result.images.length + result.rejected.length, total },
    });
  progress('running');
  let lastReport = deps.clock.now();
  for (const entry of entries) {
    if ('error' in entry) {
      result.rejected.push({
        file: entry.path,
        error: { code: entry.error.code, message: entry.error.message },
      });
      continue;
    }
    const batch = await ingestMany(
      deps,
      [
        {
          file: entry.path,
          importPath: entry.path,
          load: () => readLimited(entry.path, deps.maxUploadBytes),
        },
      ],
      requestId,
    );
    result.images.push(...batch.images);
    result.rejected.push(...batch.rejected);
    if (deps.clock.now() - lastReport > 500) {
      lastReport = deps.clock.now();
      progress('running');
    }
  }
  progress('done');
  return result;
}

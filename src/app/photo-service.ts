import { AppError } from '../core/errors.ts';
import type { Principal } from '../core/principal.ts';
import type { ImageDetail, ImageQuery, ImageRecord } from '../ports/images.ts';
import { type DeletePhotoDeps, deletePhoto } from './delete-photo.ts';
import { storedFaceThumbnail } from './face-thumbnails.ts';
import { type IngestDeps, type IngestResult, ingestMany, ingestPath } from './ingest.ts';
import { recordRejectedUploads } from './rejected-uploads.ts';
import { retryImage } from './retry-image.ts';

export type PhotoServiceDeps = IngestDeps & DeletePhotoDeps;

/** A file of an upload, read when its turn comes. */
export interface UploadedFile {
  file: string;
  load: () => Promise<Uint8Array>;
}

/** The use cases of /api/images: photos in (upload, import), browsed, deleted, tried again, read back. */
export interface PhotoService {
  /** Stores uploaded files one at a time; see `ingested` for what is refused. */
  ingestFiles(files: readonly UploadedFile[], actor: Principal, requestId: string): Promise<IngestResult>;
  /** Imports a file or folder under IMPORT_ROOTS; see `ingested`. */
  importPath(path: string, actor: Principal, requestId: string): Promise<IngestResult>;
  list(query: ImageQuery): Promise<{ items: ImageRecord[]; nextCursor: string | null }>;
  /** One photo with its faces; not_found when there is none. */
  get(id: string): Promise<ImageDetail>;
  delete(id: string, actor: Principal): Promise<void>;
  retry(id: string): Promise<void>;
  /** The stored bytes of a photo and what they are. */
  content(id: string): Promise<{ bytes: Uint8Array; mediaType: string; sha256: string }>;
  /** A square JPEG of one face of a photo, `size` pixels wide. */
  faceThumbnail(imageId: string, faceId: string, size: number): Promise<Uint8Array>;
}

export function photoService(deps: PhotoServiceDeps): PhotoService {
  /**
   * Refused files go to the audit log (the System page lists them); when nothing at all was stored, the
   * first refusal is the answer, so a single bad file gets its own error.
   */
  const ingested = async (result: IngestResult, actor: Principal, requestId: string) => {
    if (result.rejected.length > 0)
      await recordRejectedUploads(deps.audit, actor, result.rejected, requestId);
    const [first] = result.rejected;
    if (result.images.length === 0 && first) throw new AppError(first.error.code, first.error.message);
    return result;
  };
  const get = async (id: string) => {
    const image = await deps.stores.images.getImage(id);
    if (!image) throw new AppError('not_found', `no photo with id ${id}`);
    return image;
  };
  return {
    async ingestFiles(files, actor, requestId) {
      if (files.length === 0) throw new AppError('invalid_input', 'the request holds no file part');
      const result: IngestResult = { images: [], rejected: [] };
      for (const file of files) {
        const one = await ingestMany(deps, [file], requestId);
        result.images.push(...one.images);
        result.rejected.push(...one.rejected);
      }
      return ingested(result, actor, requestId);
    },
    importPath: async (path, actor, requestId) =>
      ingested(await ingestPath(deps, path, requestId), actor, requestId),
    list: (query) => deps.stores.images.listImages(query),
    get,
    async delete(id, actor) {
      await deletePhoto(deps, id, actor);
    },
    retry: (id) => retryImage(deps, id),
    async content(id) {
      const image = await get(id);
      return { bytes: await deps.blobs.get(image.sha256), mediaType: image.mediaType, sha256: image.sha256 };
    },
    faceThumbnail: (imageId, faceId, size) => storedFaceThumbnail(deps, imageId, faceId, size),
  };
}

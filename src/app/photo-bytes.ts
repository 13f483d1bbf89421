import type { BlobStore } from '../ports/blob-store.ts';
import type { Logger } from '../ports/logger.ts';
import type { RemovedPhotos } from '../ports/privacy-store.ts';

/**
 * Deletes the bytes of photos whose rows are gone (after the commit: a crash in between leaves an
 * unreferenced file, never a row without its bytes). Returns how many blobs were deleted.
 */
export async function deleteBlobs(
  deps: { blobs: BlobStore; log: Logger },
  removed: Pick<RemovedPhotos, 'photos'>,
): Promise<number> {
  let deleted = 0;
  for (const photo of removed.photos) {
    if (!photo.blobFree) continue;
    try {
      await deps.blobs.delete(photo.sha256);
      deleted++;
    } catch (error) {
      deps.log.error(
        { photo: photo.id, err: String(error) },
        'the bytes of a deleted photo could not be deleted',
      );
    }
  }
  return deleted;
}

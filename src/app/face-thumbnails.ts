import { AppError } from '../core/errors.ts';
import type { Box } from '../core/face.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { ImageCodec } from '../ports/image-decoder.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';

/** Size of the JPEG kept for a face enrolled from an uploaded photo (the UI shows it at 80–128 px). */
export const ENROLLED_THUMBNAIL_SIZE = 160;

export interface ThumbnailDeps {
  stores: Pick<PhotoStores, 'images'>;
  blobs: BlobStore;
  codec: ImageCodec;
}

/** A square JPEG of one face of a stored photo, cut from the photo on request. */
export async function storedFaceThumbnail(
  deps: ThumbnailDeps,
  imageId: string,
  faceId: string,
  size: number,
): Promise<Uint8Array> {
  const image = await deps.stores.images.getImage(imageId);
  const face = image?.faces.find((f) => f.id === faceId);
  if (!image || !face) throw new AppError('not_found', 'no such face in this photo');
  return deps.codec.faceThumbnail(await deps.blobs.get(image.sha256), face.box, size);
}

/** Keeps a JPEG of a face enrolled from an uploaded photo, which is not stored itself. */
export async function keepEnrolledThumbnail(
  deps: { stores: Pick<PhotoStores, 'enrolment'>; codec: ImageCodec },
  enrolledId: string,
  photo: Uint8Array,
  box: Box,
): Promise<void> {
  const jpeg = await deps.codec.faceThumbnail(photo, box, ENROLLED_THUMBNAIL_SIZE);
  await deps.stores.enrolment.setEnrolledThumbnail(enrolledId, jpeg);
}

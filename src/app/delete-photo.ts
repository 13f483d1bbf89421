import { AppError } from '../core/errors.ts';
import type { Principal } from '../core/principal.ts';
import { type AuditLog, auditActorOf } from '../ports/audit-log.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { Logger } from '../ports/logger.ts';
import type { PrivacyStore } from '../ports/privacy-store.ts';
import { deleteBlobs } from './photo-bytes.ts';

export interface DeletePhotoDeps {
  privacy: PrivacyStore;
  blobs: BlobStore;
  events: EventBus;
  audit: AuditLog;
  log: Logger;
}

/**
 * Deletes one photo: its row, faces and queued jobs in one transaction, then its bytes. Previews and face
 * thumbnails are cut from those bytes on request and never stored, so nothing else is left of it. Open
 * UIs hear an `image_deleted` event; the audit log records who did it.
 */
export async function deletePhoto(
  deps: DeletePhotoDeps,
  imageId: string,
  actor: Principal,
): Promise<{ faces: number; jobs: number; blobs: number }> {
  const removed = await deps.privacy.deletePhoto(imageId);
  if (!removed) throw new AppError('not_found', `no photo with id ${imageId}`);
  const blobs = await deleteBlobs(deps, removed);
  deps.events.publish({ type: 'image_deleted', data: { id: imageId } });
  const counts = { faces: removed.faces, jobs: removed.jobs, blobs };
  await deps.audit.record({
    actor: auditActorOf(actor),
    action: 'photo.deleted',
    target: { type: 'photo', id: imageId },
    details: { reason: 'deleted', ...counts },
  });
  deps.log.info({ imageId, ...counts }, 'photo deleted');
  return counts;
}

import type { EventBus } from '../ports/event-bus.ts';
import type { ImageCatalog } from '../ports/images.ts';

/** Publishes the current state of a photo as an `image` event (status, face count, people named). */
export async function publishImageEvent(
  store: Pick<ImageCatalog, 'getImage'>,
  events: EventBus,
  imageId: string,
): Promise<void> {
  const detail = await store.getImage(imageId);
  if (!detail) return;
  events.publish({
    type: 'image',
    data: { id: detail.id, status: detail.status, faces: detail.faces.length, people: detail.people },
  });
}

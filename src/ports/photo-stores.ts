import type { EnrolmentStore } from './enrolment.ts';
import type { GalleryStore } from './gallery.ts';
import type { ImageLeases } from './image-leases.ts';
import type { ImageRecovery } from './image-recovery.ts';
import type { ImageCatalog } from './images.ts';
import type { Outbox } from './outbox.ts';
import type { PeopleStore } from './people.ts';

/**
 * The stores of photos, faces and people on one database, one port each by who calls it. A use case takes
 * the ones it needs (`Pick<PhotoStores, 'leases' | 'images'>`); a role's wiring hands over all of them.
 */
export interface PhotoStores {
  images: ImageCatalog;
  leases: ImageLeases;
  recovery: ImageRecovery;
  people: PeopleStore;
  enrolment: EnrolmentStore;
  gallery: GalleryStore;
  outbox: Outbox;
}

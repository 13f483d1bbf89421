import { enrolmentContract } from './enrolment.contract.ts';
import { galleryContract } from './gallery.contract.ts';
import { imageLeasesContract } from './image-leases.contract.ts';
import { imageRecoveryContract } from './image-recovery.contract.ts';
import { imagesContract } from './images.contract.ts';
import { outboxContract } from './outbox.contract.ts';
import { peopleContract } from './people.contract.ts';
import type { PhotoStoresContract, PhotoStoresFixture, PhotoStoresOptions } from './photo-stores.fixture.ts';

/** Every photo-store contract suite, one per port, on one database. */
export function photoStoresContracts(
  name: string,
  create: () => Promise<PhotoStoresFixture>,
  options: PhotoStoresOptions,
): void {
  const contracts: PhotoStoresContract[] = [
    imagesContract,
    imageLeasesContract,
    imageRecoveryContract,
    peopleContract,
    enrolmentContract,
    galleryContract,
    outboxContract,
  ];
  for (const contract of contracts) contract(name, create, options);
}

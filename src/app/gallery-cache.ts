import type { ModelInfo } from '../core/face.ts';
import { Gallery } from '../core/gallery.ts';
import type { ImageStore } from '../ports/image-store.ts';

/**
 * The in-memory gallery of one process, reloaded from the store when its version changed
 * (another process may have enrolled or deleted someone). Concurrent reloads are coalesced.
 */
export class GalleryCache {
  private gallery: Gallery | null = null;
  private version = -1;
  private loading: Promise<{ gallery: Gallery; version: number }> | null = null;

  constructor(
    private readonly store: ImageStore,
    readonly model: ModelInfo,
  ) {}

  async current(): Promise<{ gallery: Gallery; version: number }> {
    const version = await this.store.galleryVersion();
    if (this.gallery && version === this.version) return { gallery: this.gallery, version };
    if (!this.loading) {
      this.loading = this.reload().finally(() => {
        this.loading = null;
      });
    }
    return this.loading;
  }

  private async reload(): Promise<{ gallery: Gallery; version: number }> {
    const snapshot = await this.store.loadGallery(this.model);
    const gallery = new Gallery(this.model, Math.max(16, snapshot.entries.length));
    for (const entry of snapshot.entries) gallery.add(entry.personId, entry.embedding);
    this.gallery = gallery;
    this.version = snapshot.version;
    return { gallery, version: snapshot.version };
  }
}

import type { ModelInfo } from '../core/face.ts';
import type { GallerySearch } from '../core/gallery.ts';
import type { FaceIndex } from '../ports/face-index.ts';
import type { GallerySnapshot, GalleryStore } from '../ports/gallery.ts';
import type { GalleryAnswer, GalleryLookup } from '../ports/gallery-lookup.ts';
import type { Logger } from '../ports/logger.ts';
import type { IndexSnapshots } from './index-snapshots.ts';
import { IndexedGallery } from './indexed-gallery.ts';

export interface GalleryIndexOptions {
  /** Which index holds the gallery (`exact` or `hnsw`), and a new empty one of it. */
  adapter: string;
  create: (dimensions: number) => FaceIndex;
  /** Where snapshots are kept (start from the latest instead of rebuilding), or null for none. */
  snapshots: IndexSnapshots | null;
  /** Write a snapshot after a change at most this often. */
  snapshotEveryMs: number;
}

/**
 * The gallery of one process, an index derived from the store. Before every answer the store's gallery
 * version is read; when it moved (this or another process enrolled or deleted someone), the entries
 * that came and went are applied to the index, removals first, so a deleted face is never answered.
 * At start the index is restored from the latest snapshot (when configured) and brought up to date
 * the same way, which gives the same entries as a rebuild from the store. Concurrent updates are coalesced.
 */
export class GalleryCache implements GalleryLookup {
  private gallery: IndexedGallery | null = null;
  private version = -1;
  private loading: Promise<{ gallery: GallerySearch; version: number }> | null = null;
  private lastSnapshot = 0;
  private saving: Promise<void> | null = null;

  constructor(
    private readonly store: GalleryStore,
    readonly model: ModelInfo,
    private readonly options: GalleryIndexOptions,
    private readonly log: Logger | null = null,
  ) {}

  /** Entries the index holds now (0 before its first answer). */
  get size(): number {
    return this.gallery?.size ?? 0;
  }

  async current(): Promise<{ gallery: GallerySearch; version: number }> {
    const version = await this.store.galleryVersion();
    if (this.gallery && version === this.version) return { gallery: this.gallery, version };
    if (!this.loading) {
      this.loading = this.update().finally(() => {
        this.loading = null;
      });
    }
    return this.loading;
  }

  async nearest(
    embeddings: readonly Float32Array[],
    k: number,
    model: Pick<ModelInfo, 'name' | 'version'> = this.model,
  ): Promise<GalleryAnswer> {
    const { gallery, version } = await this.current();
    return {
      version,
      size: gallery.size,
      peopleCount: gallery.peopleCount,
      nearest: embeddings.map((embedding) => gallery.search(embedding, k, model)),
    };
  }

  /** Writes a snapshot now (when configured and the index holds a version); resolves when written. */
  async saveSnapshot(): Promise<void> {
    const { snapshots } = this.options;
    if (!snapshots || !this.gallery) return;
    if (this.saving) return this.saving;
    const version = this.version;
    this.saving = snapshots
      .save(this.gallery.index, {
        galleryVersion: version,
        model: this.modelKey(),
        adapter: this.options.adapter,
      })
      .then(() => {
        this.lastSnapshot = Date.now();
      })
      .finally(() => {
        this.saving = null;
      });
    return this.saving;
  }

  private async update(): Promise<{ gallery: GallerySearch; version: number }> {
    const snapshot = await this.store.loadGallery(this.model);
    const gallery = this.gallery ?? (await this.start(snapshot));
    const changed = gallery.sync(snapshot);
    this.gallery = gallery;
    this.version = snapshot.version;
    if (
      changed.added + changed.removed > 0 &&
      Date.now() - this.lastSnapshot >= this.options.snapshotEveryMs
    ) {
      this.saveSnapshot().catch((error: unknown) =>
        this.log?.warn({ err: error }, 'face index snapshot failed'),
      );
    }
    return { gallery, version: snapshot.version };
  }

  /** A new gallery: from the latest snapshot when there is one that fits, otherwise empty. */
  private async start(current: GallerySnapshot): Promise<IndexedGallery> {
    const index = this.options.create(this.model.dimensions);
    const gallery = new IndexedGallery(this.model, index);
    const { snapshots } = this.options;
    if (!snapshots) return gallery;
    try {
      const meta = await snapshots.restoreLatest(index, {
        model: this.modelKey(),
        adapter: this.options.adapter,
      });
      if (meta) {
        gallery.adoptRestored(current);
        this.lastSnapshot = Date.now();
        this.log?.info({ galleryVersion: meta.galleryVersion, faces: index.size }, 'face index restored');
      }
      return gallery;
    } catch (error) {
      this.log?.warn({ err: error }, 'face index snapshot unreadable: rebuilding from the store');
      return new IndexedGallery(this.model, this.options.create(this.model.dimensions));
    }
  }

  private modelKey(): string {
    return `${this.model.name}@${this.model.version}`;
  }
}

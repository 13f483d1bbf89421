import { AppError } from '../core/errors.ts';
import type { ModelInfo } from '../core/face.ts';
import type { GalleryCache } from './gallery-cache.ts';

/** `name@version`: the key a gallery (and its snapshots) is held under. */
export function modelKey(model: Pick<ModelInfo, 'name' | 'version'>): string {
  return `${model.name}@${model.version}`;
}

/**
 * The galleries the `search` role holds, one per embedding model it was asked about (normally one:
 * the engine's). A model of an already-held name and version but other dimensions is refused, and so
 * is a model past `limit`, so that callers cannot make the process hold galleries without bound.
 */
export class ModelGalleries {
  private readonly byKey = new Map<string, GalleryCache>();

  constructor(
    private readonly open: (model: ModelInfo) => GalleryCache,
    private readonly limit = 4,
  ) {}

  /** The gallery of `model`, created (empty; filled on its first answer) when not held yet. */
  get(model: ModelInfo): GalleryCache {
    const key = modelKey(model);
    const held = this.byKey.get(key);
    if (held) {
      if (held.model.dimensions !== model.dimensions)
        throw new AppError(
          'invalid_input',
          `model ${key} has ${held.model.dimensions} dimensions, not ${model.dimensions}`,
        );
      return held;
    }
    if (this.byKey.size >= this.limit)
      throw new AppError('invalid_input', `this search service holds at most ${this.limit} models`);
    const created = this.open(model);
    this.byKey.set(key, created);
    return created;
  }

  all(): GalleryCache[] {
    return [...this.byKey.values()];
  }
}

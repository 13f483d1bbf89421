import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../core/face.ts';
import type { GalleryCache } from './gallery-cache.ts';
import { ModelGalleries, modelKey } from './model-galleries.ts';

const model = (name: string, dimensions = 4): ModelInfo => ({ name, version: '1', dimensions, threshold: 1 });

describe('the galleries the search role holds, one per model', () => {
  const opened: ModelInfo[] = [];
  const galleries = () =>
    new ModelGalleries((m) => {
      opened.push(m);
      return { model: m } as GalleryCache;
    }, 2);

  it('opens a gallery on the first call for a model and hands the same one back after', () => {
    opened.length = 0;
    const held = galleries();
    const first = held.get(model('a'));
    expect(held.get(model('a'))).toBe(first);
    expect(opened.map(modelKey)).toEqual(['a@1']);
    expect(held.all()).toEqual([first]);
  });

  it('refuses another length for a model it holds, and models past its limit, as invalid_input', () => {
    const held = galleries();
    held.get(model('a'));
    expect(() => held.get(model('a', 8))).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    held.get(model('b'));
    expect(() => held.get(model('c'))).toThrow(/at most 2 models/);
    expect(held.all().map((g) => modelKey(g.model))).toEqual(['a@1', 'b@1']);
  });
});

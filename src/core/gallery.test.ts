import { describe, expect, it } from 'vitest';
import { l2Normalize } from './embedding.ts';
import { AppError } from './errors.ts';
import { Gallery } from './gallery.ts';

const model = { name: 'm', version: '1', dimensions: 3, threshold: 0.5 };
const v = (...xs: number[]) => l2Normalize(new Float32Array(xs));

describe('Gallery', () => {
  it('finds the nearest people, each once at their closest embedding', () => {
    const g = new Gallery(model, 1);
    g.add('ann', v(1, 0, 0));
    g.add('ann', v(0.9, 0.1, 0));
    g.add('bob', v(0, 1, 0));
    g.add('cy', v(0, 0, 1));
    const top = g.search(v(1, 0.05, 0), 2);
    expect(top.map((m) => m.personId)).toEqual(['ann', 'bob']);
    expect(top[0]?.distance).toBeLessThan(0.1);
    expect(g.size).toBe(4);
  });

  it('answers unknown when nothing is within the threshold', () => {
    const g = new Gallery(model);
    g.add('ann', v(1, 0, 0));
    expect(g.identify(v(0, 1, 0))).toBeNull();
    expect(g.identify(v(1, 0.1, 0))?.personId).toBe('ann');
    expect(g.identify(v(0, 1, 0), 2)?.personId).toBe('ann');
  });

  it('removes every embedding of a person and keeps the others searchable', () => {
    const g = new Gallery(model, 2);
    g.add('ann', v(1, 0, 0));
    g.add('bob', v(0, 1, 0));
    g.add('ann', v(1, 0.1, 0));
    g.add('cy', v(0, 0, 1));
    expect(g.remove('ann')).toBe(2);
    expect(g.size).toBe(2);
    expect(g.people).toEqual(new Set(['bob', 'cy']));
    expect(g.search(v(0, 0, 1), 1)[0]?.personId).toBe('cy');
    expect(g.search(v(1, 0, 0), 5).map((m) => m.personId)).not.toContain('ann');
  });

  it('never compares embeddings of another model version or size', () => {
    const g = new Gallery(model);
    expect(() => g.add('ann', v(1, 0, 0), { name: 'm', version: '2' })).toThrow(AppError);
    expect(() => g.search(v(1, 0, 0), 1, { name: 'other', version: '1' })).toThrow(/cannot be compared/);
    expect(() => g.add('ann', new Float32Array(4))).toThrow(/dimensions/);
  });
});

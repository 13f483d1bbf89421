import { describe, expect, it } from 'vitest';
import { newId } from './ids.ts';

describe('newId', () => {
  it('is unique and sorts in creation order, within one millisecond too', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('img', 1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const later = newId('img', 1_700_000_000_001 + 1000);
    expect(later > (ids.at(-1) as string)).toBe(true);
    expect(later).toMatch(/^img_[0-9a-f]{24}$/);
  });
});

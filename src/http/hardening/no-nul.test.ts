import { describe, expect, it } from 'vitest';
import { holdsNul } from './no-nul.ts';

describe('holdsNul', () => {
  it('finds a NUL in strings, keys and nested values', () => {
    expect(holdsNul('a\0b')).toBe(true);
    expect(holdsNul({ name: 'ok', tags: ['x', { deep: 'y\0' }] })).toBe(true);
    expect(holdsNul({ 'k\0': 1 })).toBe(true);
  });

  it('passes everything else, including other control characters and odd values', () => {
    for (const value of ['', 'plain', '\u0001\t\n', '😀', 42, null, undefined, true, [], {}, { a: [1, 'b'] }])
      expect(holdsNul(value)).toBe(false);
  });
});

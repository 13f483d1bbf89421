import { describe, expect, it } from 'vitest';
import { mapOrdered } from './ordered-map.ts';

describe('mapOrdered', () => {
  it('emits in input order with bounded concurrency', async () => {
    let running = 0;
    let peak = 0;
    const emitted: number[] = [];
    await mapOrdered(
      [5, 1, 4, 2, 3, 0],
      2,
      async (ms) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, ms * 3));
        running--;
        return ms * 10;
      },
      (value) => emitted.push(value),
    );
    expect(emitted).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});

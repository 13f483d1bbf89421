import { describe, expect, it } from 'vitest';
import { placeLabels, type Rect } from './label-layout.ts';

const AREA: Rect = { x: 10, y: 0, width: 300, height: 200 };
const inside = (r: Rect) =>
  r.x >= AREA.x &&
  r.y >= AREA.y &&
  r.x + r.width <= AREA.x + AREA.width &&
  r.y + r.height <= AREA.y + AREA.height;

describe('placeLabels', () => {
  it('puts a label above its box, or below it at the top edge', () => {
    const [above, below] = placeLabels(
      [
        { x: 50, y: 80, width: 40, height: 40 },
        { x: 150, y: 5, width: 40, height: 40 },
      ],
      [60, 60],
      24,
      AREA,
    );
    expect(above).toEqual({ x: 50, y: 56, width: 60, height: 24 });
    expect(below).toEqual({ x: 150, y: 45, width: 60, height: 24 });
  });

  it('keeps labels inside the picture at its right, left and bottom edges', () => {
    const labels = placeLabels(
      [
        { x: 290, y: 100, width: 40, height: 40 },
        { x: -20, y: 100, width: 40, height: 40 },
        { x: 100, y: 0, width: 40, height: 200 },
      ],
      [120, 120, 120],
      24,
      AREA,
    );
    for (const label of labels) expect(inside(label), JSON.stringify(label)).toBe(true);
    expect(labels[0]?.x).toBe(190);
    expect(labels[1]?.x).toBe(10);
  });

  it('moves a label past one it would cover (faces side by side)', () => {
    const labels = placeLabels(
      [
        { x: 50, y: 100, width: 40, height: 40 },
        { x: 70, y: 100, width: 40, height: 40 },
      ],
      [100, 100],
      24,
      AREA,
    );
    const [a, b] = labels as [Rect, Rect];
    expect(a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true);
    expect(labels.every(inside)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { DetectedFace } from './face.ts';
import { selectFaces } from './face-selection.ts';

const face = (left: number, top: number, size: number) =>
  ({ box: { left, top, right: left + size, bottom: top + size } }) as DetectedFace;

describe('selectFaces', () => {
  const faces = [face(0, 0, 50), face(90, 90, 20), face(150, 10, 30)];
  it('keeps all, the largest, or the one nearest the centre', () => {
    expect(selectFaces(faces, 'all', 200, 200)).toHaveLength(3);
    expect(selectFaces(faces, 'largest', 200, 200)).toEqual([faces[0]]);
    expect(selectFaces(faces, 'center', 200, 200)).toEqual([faces[1]]);
    expect(selectFaces([], 'center', 200, 200)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { DetectedFace } from './face.ts';
import { dominantFace, selectFaces } from './face-selection.ts';

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

describe('dominantFace (whom an enrolment photo is of)', () => {
  it('is the only face, or the largest when every other face is at most half its area', () => {
    expect(dominantFace([])).toBeNull();
    const only = face(0, 0, 30);
    expect(dominantFace([only])).toBe(only);
    const subject = face(0, 0, 100);
    expect(dominantFace([face(150, 0, 70), subject])).toBe(subject); // 4,900 vs 10,000 px²
  });

  it('is none when two faces are about the same size', () => {
    expect(dominantFace([face(0, 0, 100), face(150, 0, 80)])).toBeNull(); // 6,400 vs 10,000 px²
  });
});

import { describe, expect, it } from 'vitest';
import { boxesMatch, countPhoto, summarise } from './detection-metrics.ts';

const face = (left: number, top: number, size: number, invalid = false) => ({
  left,
  top,
  width: size,
  height: size,
  invalid,
});
const det = (left: number, top: number, size: number, score = 0.9) => ({
  left,
  top,
  width: size,
  height: size,
  score,
});

describe('detection scoring (wider-dev rules)', () => {
  it('matches a looser box, not one of another scale or elsewhere', () => {
    expect(boxesMatch(det(90, 90, 70), face(100, 100, 50))).toBe(true);
    expect(boxesMatch(det(60, 60, 130), face(100, 100, 50))).toBe(false); // more than 2× taller
    expect(boxesMatch(det(140, 100, 50), face(100, 100, 50))).toBe(false); // centre outside
  });

  it('counts recall by size, false positives, and ignores invalid and tiny faces', () => {
    const faces = [face(0, 0, 100), face(200, 0, 30), face(400, 0, 50, true), face(600, 0, 12)];
    const detections = [
      det(0, 0, 100), // large face found
      det(5, 5, 90, 0.5), // a duplicate on the same face: a false positive
      det(400, 0, 50), // on an invalid face: counts neither way
      det(600, 0, 12), // on a tiny face: counts neither way
      det(800, 800, 60), // nothing there
    ];
    const counts = countPhoto(faces, detections);
    expect(counts).toEqual({
      largeFaces: 1,
      largeFound: 1,
      smallFaces: 1,
      smallFound: 0,
      truePositives: 1,
      falsePositives: 2,
    });
    const report = summarise([counts, countPhoto([], [])]);
    expect(report.recallLarge).toBe(1);
    expect(report.recallSmall).toBe(0);
    expect(report.falsePositivesPerPhoto).toBe(1);
    expect(report.precision).toBeCloseTo(1 / 3);
  });

  it('gives one detection to one face: two faces side by side need two boxes', () => {
    const faces = [face(0, 0, 40), face(40, 0, 40)];
    expect(countPhoto(faces, [det(0, 0, 40)]).truePositives).toBe(1);
    expect(countPhoto(faces, [det(0, 0, 40), det(40, 0, 40)]).truePositives).toBe(2);
  });
});

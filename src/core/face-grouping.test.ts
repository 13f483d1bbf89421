import { describe, expect, it } from 'vitest';
import { evaluateClustering } from './clustering-metrics.ts';
import { l2Normalize } from './embedding.ts';
import { averageDistance, type GroupingFace, groupFaces, placeFace } from './face-grouping.ts';

/** A face near one of a few orthogonal "identities", with a small deterministic offset. */
function face(id: string, identity: number, jitter: number): GroupingFace {
  const v = new Float32Array(8);
  v[identity] = 1;
  v[7] = jitter;
  return { id, embedding: l2Normalize(v) };
}

const faces = [
  face('a1', 0, 0.1),
  face('a2', 0, 0.2),
  face('a3', 0, 0.15),
  face('b1', 1, 0.1),
  face('b2', 1, 0.12),
  face('c1', 2, 0),
];

describe('groupFaces', () => {
  it('groups faces of one identity and keeps identities apart', () => {
    expect(groupFaces(faces, 0.5)).toEqual([['a1', 'a2', 'a3'], ['b1', 'b2'], ['c1']]);
  });

  it('gives the same groups whatever the order of the faces', () => {
    const reversed = [...faces].reverse();
    const shuffled = [faces[3], faces[0], faces[5], faces[2], faces[4], faces[1]] as GroupingFace[];
    expect(groupFaces(reversed, 0.5)).toEqual(groupFaces(faces, 0.5));
    expect(groupFaces(shuffled, 0.5)).toEqual(groupFaces(faces, 0.5));
  });

  it('leaves every face alone under a zero threshold and joins all under a huge one', () => {
    expect(groupFaces(faces, 0)).toHaveLength(6);
    expect(groupFaces(faces, 10)).toEqual([['a1', 'a2', 'a3', 'b1', 'b2', 'c1']]);
    expect(groupFaces([], 0.5)).toEqual([]);
  });

  it('does not chain: average linkage keeps a far end apart where single linkage would join it', () => {
    // Points on a line, 0.3 apart: neighbours are within 0.35 but the ends are 0.9 apart.
    const line = [0, 0.3, 0.6, 0.9].map((x, i) => ({ id: `p${i}`, embedding: new Float32Array([x, 0]) }));
    const groups = groupFaces(line, 0.35);
    expect(groups.length).toBeGreaterThan(1);
  });
});

describe('placeFace', () => {
  const groups = [
    { id: 'g-a', faces: faces.slice(0, 3) },
    { id: 'g-b', faces: faces.slice(3, 5) },
  ];

  it('joins the nearest group within the threshold', () => {
    expect(placeFace(face('a4', 0, 0.12), groups, 0.5)).toEqual({ groupId: 'g-a', absorb: [] });
  });

  it('starts a new group when no group is close enough', () => {
    expect(placeFace(face('d1', 3, 0), groups, 0.5)).toEqual({ groupId: null, absorb: [] });
    expect(placeFace(face('d1', 3, 0), [], 0.5)).toEqual({ groupId: null, absorb: [] });
  });

  it('merges groups that the new face brings within the threshold', () => {
    const left = { id: 'g-l', faces: [{ id: 'l', embedding: new Float32Array([0, 0]) }] };
    const right = { id: 'g-r', faces: [{ id: 'r', embedding: new Float32Array([0.5, 0]) }] };
    const placed = placeFace({ id: 'm', embedding: new Float32Array([0.2, 0]) }, [left, right], 0.45);
    expect(placed).toEqual({ groupId: 'g-l', absorb: ['g-r'] });
    expect(
      averageDistance([...left.faces, { id: 'm', embedding: new Float32Array([0.2, 0]) }], right.faces),
    ).toBeCloseTo(0.4);
  });
});

describe('evaluateClustering', () => {
  const truth = new Map([
    ['a1', 'A'],
    ['a2', 'A'],
    ['a3', 'A'],
    ['b1', 'B'],
    ['b2', 'B'],
  ]);

  it('is perfect for the true partition', () => {
    expect(
      evaluateClustering(
        [
          ['a1', 'a2', 'a3'],
          ['b1', 'b2'],
        ],
        truth,
      ),
    ).toEqual({
      faces: 5,
      people: 2,
      groups: 2,
      pairwisePrecision: 1,
      pairwiseRecall: 1,
      splitsPerPerson: 1,
    });
  });

  it('counts wrong pairs, missed pairs and splits', () => {
    const report = evaluateClustering([['a1', 'a2', 'b1'], ['a3'], ['b2']], truth);
    expect(report.pairwisePrecision).toBeCloseTo(1 / 3);
    expect(report.pairwiseRecall).toBeCloseTo(1 / 4);
    expect(report.splitsPerPerson).toBe(2);
  });

  it('refuses a face without an identity', () => {
    expect(() => evaluateClustering([['x']], truth)).toThrow(RangeError);
  });
});

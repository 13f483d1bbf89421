import { describe, expect, it } from 'vitest';
import { identificationReport, type ScoredProbe, thresholdAtFpir } from './identification-metrics.ts';
import { openSetProtocol } from './open-set-protocol.ts';

const probe = (
  mated: boolean,
  person: string,
  nearest: [string, number] | null,
  named: string | null = null,
): ScoredProbe => ({
  mated,
  person,
  found: nearest !== null,
  nearest: nearest ? { personId: nearest[0], distance: nearest[1] } : null,
  named,
});

describe('openSetProtocol', () => {
  const people = [
    { person: 'Cy', photos: ['Cy/2.jpg', 'Cy/1.jpg'] },
    { person: 'Ann', photos: ['Ann/3.jpg', 'Ann/1.jpg', 'Ann/2.jpg'] },
    { person: 'Bob', photos: ['Bob/1.jpg', 'Bob/2.jpg'] },
    { person: 'Dee', photos: ['Dee/1.jpg'] },
  ];

  it('enrols people at even positions in name order with their first photo; odd ones are strangers', () => {
    const p = openSetProtocol(people);
    expect(p.enrolled).toEqual([
      { person: 'Ann', photo: 'Ann/1.jpg' },
      { person: 'Cy', photo: 'Cy/1.jpg' },
    ]);
    expect(p.mated.map((m) => m.photo)).toEqual(['Ann/2.jpg', 'Ann/3.jpg', 'Cy/2.jpg']);
    expect(p.nonMated.map((m) => m.photo)).toEqual(['Bob/1.jpg', 'Bob/2.jpg', 'Dee/1.jpg']);
    expect(p.nonMated.every((m) => !m.mated) && p.mated.every((m) => m.mated)).toBe(true);
  });

  it('takes only the first n people with a limit', () => {
    const p = openSetProtocol(people, 2);
    expect(p.enrolled.map((e) => e.person)).toEqual(['Ann']);
    expect(p.nonMated.map((m) => m.person)).toEqual(['Bob', 'Bob']);
  });
});

describe('identificationReport', () => {
  const probes: ScoredProbe[] = [
    probe(true, 'ann', ['ann', 0.3], 'ann'),
    probe(true, 'ann', ['ann', 0.6]), // right person, rejected
    probe(true, 'cy', ['ann', 0.4], 'ann'), // wrong person named
    probe(true, 'cy', null), // no face
    probe(false, 'bob', ['ann', 0.35], 'ann'), // false positive
    ...Array.from({ length: 9 }, (_, i) => probe(false, `x${i}`, ['cy', 0.5 + i / 100])),
  ];

  it('counts a missed face as a miss for a mated probe and as no name for a stranger', () => {
    const r = identificationReport(probes);
    expect(r).toMatchObject({ mated: 4, nonMated: 10 });
    expect(r.rank1).toBeCloseTo(2 / 4, 10);
    expect(r.fnir).toBeCloseTo(3 / 4, 10);
    expect(r.fpir).toBeCloseTo(1 / 10, 10);
  });

  it('reads FNIR at an FPIR off a sweep of the best-match distance', () => {
    const r = identificationReport(probes);
    // 10 strangers: FPIR ≤ 1 % allows none of them, so t is the smallest stranger distance (0.35).
    expect(r.thresholdAtFpir1e2).toBe(0.35);
    expect(r.fnirAtFpir1e2).toBeCloseTo(3 / 4, 10);
    const nonMated = probes.filter((p) => !p.mated);
    expect(thresholdAtFpir(nonMated, 0.1)).toBe(0.5);
    expect(thresholdAtFpir(nonMated, 1)).toBe(Number.POSITIVE_INFINITY);
  });
});

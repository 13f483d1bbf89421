/**
 * npm run bench:grouping [-- --people N] [-- --threshold T] [-- --threads N]
 * Clustering quality of the grouping of unknown faces (core/face-grouping.ts) on lfw-dev: the centre face of
 * every photo, embedded by the real engine (cached under scratch/open-set/, shared with fit:open-set), grouped in batch
 * (average linkage) and incrementally (one face at a time, in a shuffled order). The threshold is fitted on
 * the people at even positions (folder names sorted) — the largest one keeping pairwise precision ≥ 0.98 — and
 * checked on those at odd positions. `--people N` takes the first N people only (quick runs).
 * Prints a table; writes bench/results/grouping.json.
 */
import { performance } from 'node:perf_hooks';
import { type ClusteringReport, evaluateClustering } from '../src/core/clustering-metrics.ts';
import {
  cutTree,
  DEFAULT_GROUPING_POLICY,
  type GroupingFace,
  mergeTree,
  placeFace,
} from '../src/core/face-grouping.ts';
import { option, table, writeResult } from './lib/bench-io.ts';
import { type LabelledFace, lfwEmbeddings, lfwPeople } from './lib/lfw-embeddings.ts';
import { seededRandom, shuffle } from './lib/lfw-sample.ts';

const TARGET_PRECISION = 0.98;
const args = process.argv.slice(2);
const all = await lfwPeople();
const people = all.slice(0, Number(option(args, 'people') ?? all.length));
console.error(
  `bench:grouping: ${people.length} people, ${people.reduce((n, p) => n + p.photos.length, 0)} photos`,
);
const { model, faces } = await lfwEmbeddings(people, Number(option(args, 'threads') ?? 1));
const evenPeople = new Set(people.filter((_, i) => i % 2 === 0).map((p) => p.person));
const even = faces.filter((f) => evenPeople.has(f.person));
const odd = faces.filter((f) => !evenPeople.has(f.person));

const asGrouping = (list: LabelledFace[]): GroupingFace[] =>
  list.map((f) => ({ id: f.photo, embedding: f.embedding }));
const truthOf = (list: LabelledFace[]) => new Map(list.map((f) => [f.photo, f.person]));

// Fit: the largest threshold (0.01 steps) whose batch grouping of the even half keeps precision ≥ target.
const evenTree = mergeTree(asGrouping(even));
const sweep: { threshold: number; report: ClusteringReport }[] = [];
for (let t = 0.3; t <= 1.2001; t += 0.01) {
  const threshold = Math.round(t * 100) / 100;
  sweep.push({ threshold, report: evaluateClustering(cutTree(evenTree, threshold), truthOf(even)) });
}
const fitted =
  [...sweep].reverse().find((s) => s.report.pairwisePrecision >= TARGET_PRECISION)?.threshold ?? 0.3;
const threshold = Number(option(args, 'threshold') ?? DEFAULT_GROUPING_POLICY.threshold);

function batch(list: LabelledFace[]): { report: ClusteringReport; seconds: number } {
  const start = performance.now();
  const groups = cutTree(mergeTree(asGrouping(list)), threshold);
  const seconds = (performance.now() - start) / 1000;
  return { report: evaluateClustering(groups, truthOf(list)), seconds };
}

/** Incremental grouping, one face at a time in a seeded shuffled order, as photos would arrive. */
function incremental(list: LabelledFace[], seed: number): { report: ClusteringReport; seconds: number } {
  const start = performance.now();
  const groups = new Map<string, GroupingFace[]>();
  let next = 0;
  for (const face of shuffle(asGrouping(list), seededRandom(seed))) {
    const placed = placeFace(
      face,
      [...groups].map(([id, members]) => ({ id, faces: members })),
      threshold,
    );
    const id = placed.groupId ?? `g${next++}`;
    const members = groups.get(id) ?? [];
    members.push(face);
    for (const other of placed.absorb) {
      members.push(...(groups.get(other) ?? []));
      groups.delete(other);
    }
    groups.set(id, members);
  }
  const seconds = (performance.now() - start) / 1000;
  const result = [...groups.values()].map((g) => g.map((f) => f.id));
  return { report: evaluateClustering(result, truthOf(list)), seconds };
}

const rows: { set: string; method: string; report: ClusteringReport; seconds: number }[] = [
  { set: 'even (fit)', method: 'batch', ...batch(even) },
  { set: 'odd (check)', method: 'batch', ...batch(odd) },
  { set: 'all', method: 'batch', ...batch(faces) },
  { set: 'all', method: 'batch, reversed order', ...batch([...faces].reverse()) },
  // Incremental on the held-out half only: it costs a distance per grouped face for every new face.
  { set: 'odd (check)', method: 'incremental (shuffled)', ...incremental(odd, 7) },
];
const fixed = (x: number, digits = 4) => x.toFixed(digits);
console.log(`threshold ${threshold} (fitted on the even half: ${fitted}; model ${model.name})`);
console.log(
  table(
    ['set', 'method', 'faces', 'people', 'groups', 'precision', 'recall', 'splits/person', 'seconds'],
    rows.map((r) => [
      r.set,
      r.method,
      r.report.faces,
      r.report.people,
      r.report.groups,
      fixed(r.report.pairwisePrecision),
      fixed(r.report.pairwiseRecall),
      fixed(r.report.splitsPerPerson, 2),
      fixed(r.seconds, 2),
    ]),
  ),
);
const main = rows[2] as (typeof rows)[number];
const file = await writeResult('grouping', {
  ...main.report,
  seconds: Math.round(main.seconds * 1000) / 1000,
  threshold,
  fittedThreshold: fitted,
  model: model.name,
  minFaces: DEFAULT_GROUPING_POLICY.minFaces,
  sets: rows.map((r) => ({
    set: r.set,
    method: r.method,
    ...r.report,
    seconds: Math.round(r.seconds * 1000) / 1000,
  })),
  sweepOnEvenHalf: sweep.map((s) => ({
    threshold: s.threshold,
    pairwisePrecision: s.report.pairwisePrecision,
    pairwiseRecall: s.report.pairwiseRecall,
    groups: s.report.groups,
  })),
});
console.error(`wrote ${file}`);

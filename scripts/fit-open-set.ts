/**
 * Fits the 1:N (open-set identification) calibration of the current model on lfw-dev and checks it.
 *
 *   npm run fit:open-set [-- --write] [-- --refresh] [-- --threads n] [-- --confidence 0.99] [-- --root <dir>]
 *
 * --root: another folder of people (one folder per person, several photos each) to calibrate on your own
 * photos instead of lfw-dev; the split and the figures are the same.
 *
 * 1. Embeddings of every lfw-dev photo (the face nearest the centre): read from scratch/open-set/
 *    (gitignored), or computed once with the engine (`--refresh` recomputes, e.g. after a detector or
 *    model change; about 20 minutes on 2 cores).
 * 2. Split by person: the people whose folder names sort in the first half (positions 0–861 of 1,725)
 *    are the FIT half, the others the CHECK half; the protocol's roles (even position enrolled, odd
 *    position stranger) stay those of the full protocol.
 * 3. Fit: every comparison between photos of two different FIT people gives the impostor distances;
 *    their lower tail is fitted with a straight line on the probit scale (core/open-set-fit.ts).
 *    The threshold for N enrolled people is the distance whose per-comparison false-match rate is
 *    targetFpir / N (union bound: FPIR ≤ targetFpir), capped at the model's 1:1 threshold.
 * 4. Check: on each half, FPIR at the operating point for galleries of 1, 10, 100 people (every block
 *    of that many consecutive enrolled people, all the half's strangers against each) and for the
 *    half's whole gallery, with FNIR and rank-1, and the best FNIR a threshold sweep could reach at FPIR 1 %.
 * `--write` rewrites src/engine/open-set-calibration.data.ts with the fitted calibration.
 * Nothing printed here is an embedding: only distances and rates.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom } from '../bench/lib/lfw-sample.ts';
import { readPeopleFolders } from '../src/cli/people-folders.ts';
import { euclideanDistance } from '../src/core/embedding.ts';
import type { ModelInfo } from '../src/core/face.ts';
import { Gallery } from '../src/core/gallery.ts';
import { normalQuantile } from '../src/core/normal-quantile.ts';
import { type MatchPolicy, type OpenSetCalibration, policyThreshold } from '../src/core/open-set.ts';
import { evaluateOpenSet } from '../src/core/open-set-evaluation.ts';
import {
  calibrationFromTail,
  cautiousTail,
  fitImpostorTail,
  fitTailLine,
  tailLevels,
} from '../src/core/open-set-fit.ts';
import { type OpenSetProtocol, openSetProtocol } from '../src/core/open-set-protocol.ts';
import { DEFAULT_MATCH_THRESHOLD, PIPELINE_VERSION } from '../src/engine/model-info.ts';
import { LFW_DEV, lfwDevEmbeddings, REPO_ROOT } from './lib/lfw-embeddings.ts';

const TARGET_FPIR = 0.01;
const BOOTSTRAP = 200;
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const CONFIDENCE = Number(option('--confidence') ?? 0.99);
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

const root = path.resolve(option('--root') ?? LFW_DEV);
const cached = await lfwDevEmbeddings({
  root,
  refresh: flag('--refresh'),
  threads: Number(option('--threads') ?? 2),
});
const embeddingOf = (photo: string) => cached.byPath.get(photo) ?? null;
const model: ModelInfo = { ...cached.model, threshold: DEFAULT_MATCH_THRESHOLD };
if (!model.version.endsWith(`+${PIPELINE_VERSION}`))
  throw new Error(
    `cached embeddings are of ${model.version}, not of pipeline ${PIPELINE_VERSION}: run with --refresh`,
  );

const people = await readPeopleFolders(root);
const half = Math.floor(people.length / 2);
const fitPeople = new Set(people.slice(0, half).map((p) => p.person));
const full = openSetProtocol(people);
const part = (inFit: boolean): OpenSetProtocol => ({
  enrolled: full.enrolled.filter((e) => fitPeople.has(e.person) === inFit),
  mated: full.mated.filter((p) => fitPeople.has(p.person) === inFit),
  nonMated: full.nonMated.filter((p) => fitPeople.has(p.person) === inFit),
});

// Impostor distances of the FIT half: all pairs of photos (with a face) of two different people.
const fitHalf = people.slice(0, half);
const fitPhotos = fitHalf.flatMap((p, personIndex) =>
  p.photos.flatMap((photo) => {
    const e = embeddingOf(photo);
    return e ? [{ personIndex, e }] : [];
  }),
);
const impostor: number[] = [];
const pairPeople: number[] = [];
for (let i = 0; i < fitPhotos.length; i++)
  for (let j = i + 1; j < fitPhotos.length; j++) {
    const a = fitPhotos[i] as (typeof fitPhotos)[number];
    const b = fitPhotos[j] as (typeof fitPhotos)[number];
    if (a.personIndex === b.personIndex) continue;
    impostor.push(euclideanDistance(a.e, b.e));
    pairPeople.push(a.personIndex, b.personIndex);
  }
const sorted = Float64Array.from(impostor).sort();
const tail = fitImpostorTail(sorted);
/** The closest 2 % of impostor pairs with their two people, for the bootstrap below (it reads FMR ≤ 1e-2). */
const closeCutoff = sorted[Math.floor(0.02 * sorted.length)] as number;
const close = impostor.flatMap((d, k) =>
  d < closeCutoff ? [{ d, i: pairPeople[2 * k] as number, j: pairPeople[2 * k + 1] as number }] : [],
);

// Bootstrap over people: the tail moves when other people are enrolled or probe the system (a few
// look-alike pairs make the deepest part of it). Resample the FIT people with replacement, refit the
// tail on each replicate, and keep the line that 95 % of the replicates lie above (core/open-set-fit.ts).
close.sort((a, b) => a.d - b.d);
const photoCounts = fitHalf.map(
  (_, personIndex) => fitPhotos.filter((p) => p.personIndex === personIndex).length,
);
const levels = tailLevels(sorted.length);
const random = seededRandom(14);
const replicates = Array.from({ length: BOOTSTRAP }, () => {
  const w = new Float64Array(fitHalf.length);
  for (let k = 0; k < fitHalf.length; k++) (w[Math.floor(random() * fitHalf.length)] as number)++;
  let sumWn = 0;
  let sumW2n2 = 0;
  photoCounts.forEach((n, k) => {
    sumWn += (w[k] as number) * n;
    sumW2n2 += ((w[k] as number) * n) ** 2;
  });
  const total = (sumWn * sumWn - sumW2n2) / 2;
  const points: { fmr: number; distance: number }[] = [];
  let cumulative = 0;
  let level = 0;
  for (const pair of close) {
    cumulative += (w[pair.i] as number) * (w[pair.j] as number);
    while (level < levels.length && cumulative > (levels[levels.length - 1 - level] as number) * total) {
      points.push({ fmr: levels[levels.length - 1 - level] as number, distance: pair.d });
      level++;
    }
    if (level === levels.length) break;
  }
  return fitTailLine(points);
});
const cautious = cautiousTail(replicates, CONFIDENCE);
const calibration: OpenSetCalibration = calibrationFromTail(cautious, {
  modelName: model.name,
  pipelineVersion: PIPELINE_VERSION,
  targetFpir: TARGET_FPIR,
  maxThreshold: DEFAULT_MATCH_THRESHOLD,
  fittedOn:
    `${root === LFW_DEV ? 'lfw-dev' : path.basename(root)}, people whose folder names sort in the first half (${half} of ${people.length}): ` +
    `${sorted.length} impostor comparisons, probit-linear tail fitted from FMR 1e-2 to ` +
    `${levels.at(-1)?.toExponential(1)}, the line ${CONFIDENCE * 100} % of ${BOOTSTRAP} person-bootstrap ` +
    'refits lie above (npm run fit:open-set)',
});
const policy: MatchPolicy = { kind: 'calibrated', calibration };

console.log(`model ${model.name}@${model.version}`);
console.log(`split: FIT = first ${half} people by folder name, CHECK = the other ${people.length - half}`);
console.log(
  `impostor comparisons (FIT): ${sorted.length}; tail probit(FMR) = ${tail.intercept.toFixed(3)} + ${tail.slope.toFixed(3)}·d`,
);
console.log(
  `cautious tail (${CONFIDENCE * 100} % of ${BOOTSTRAP} person-bootstrap refits above it): probit(FMR) = ${cautious.intercept.toFixed(3)} + ${cautious.slope.toFixed(3)}·d`,
);
console.log('  FMR        empirical d   fitted d   cautious d');
for (const p of tail.points)
  console.log(
    `  ${p.fmr.toExponential(1)}    ${p.distance.toFixed(4)}        ${((normalQuantile(p.fmr) - tail.intercept) / tail.slope).toFixed(4)}     ${((normalQuantile(p.fmr) - cautious.intercept) / cautious.slope).toFixed(4)}`,
  );
console.log(
  'thresholds: ' +
    [1, 10, 100, 431, 863, 10_000].map((n) => `N=${n}: ${policyThreshold(policy, n).toFixed(4)}`).join(', '),
);

interface HalfReport {
  name: string;
  galleryPeople: number;
  mated: number;
  nonMated: number;
  rank1: number;
  fpir: number;
  fnir: number;
  fnirAtFpir1e2: number;
  fnirAtFpir1e3: number;
  fpirBySize: { people: number; galleries: number; trials: number; fpir: number; threshold: number }[];
}

function evaluateHalf(name: string, protocol: OpenSetProtocol): HalfReport {
  // The operating point and the sweeps as eval-identify computes them; here the smaller galleries are
  // every block of k enrolled people rather than only the first k.
  const report = evaluateOpenSet(protocol, embeddingOf, model, policy, []);
  const enrolled = protocol.enrolled.flatMap(({ person, photo }) => {
    const e = embeddingOf(photo);
    return e ? [{ person, e }] : [];
  });
  const galleryOf = (members: typeof enrolled) => {
    const g = new Gallery(model, members.length);
    for (const m of members) g.add(m.person, m.e);
    return g;
  };
  const strangers = protocol.nonMated
    .map((p) => embeddingOf(p.photo))
    .filter((e): e is Float32Array => e !== null);
  const fpirBySize = [1, 10, 100].map((k) => {
    let named = 0;
    let trials = 0;
    let galleries = 0;
    for (let start = 0; start + k <= enrolled.length; start += k) {
      const g = galleryOf(enrolled.slice(start, start + k));
      galleries++;
      for (const e of strangers) {
        trials++;
        if (g.decide(e, policy).match) named++;
      }
    }
    return { people: k, galleries, trials, fpir: named / trials, threshold: policyThreshold(policy, k) };
  });
  return {
    name,
    galleryPeople: report.galleryPeople,
    mated: report.mated,
    nonMated: report.nonMated,
    rank1: report.rank1,
    fpir: report.fpir,
    fnir: report.fnir,
    fnirAtFpir1e2: report.fnirAtFpir1e2,
    fnirAtFpir1e3: report.fnirAtFpir1e3,
    fpirBySize,
  };
}

for (const r of [evaluateHalf('FIT', part(true)), evaluateHalf('CHECK', part(false))]) {
  console.log(`\n${r.name}: ${r.galleryPeople} enrolled, ${r.mated} mated, ${r.nonMated} non-mated probes`);
  console.log(`  rank-1 ${pct(r.rank1)}`);
  console.log(
    `  operating point at ${r.galleryPeople} people (threshold ${policyThreshold(policy, r.galleryPeople).toFixed(4)}): FPIR ${pct(r.fpir)}, FNIR ${pct(r.fnir)}`,
  );
  console.log(`  sweep: FNIR @ FPIR 1 % ${pct(r.fnirAtFpir1e2)}, @ FPIR 0.1 % ${pct(r.fnirAtFpir1e3)}`);
  for (const s of r.fpirBySize)
    console.log(
      `  FPIR with ${String(s.people).padStart(3)} enrolled (threshold ${s.threshold.toFixed(4)}): ${pct(s.fpir)} over ${s.galleries} galleries × strangers = ${s.trials} trials`,
    );
}

// The whole protocol (what `faceflow eval-identify --root ../shared/faces/lfw-dev` prints), from the cache.
const whole = evaluateOpenSet(full, embeddingOf, model, policy);
console.log(
  `\nALL people: ${whole.galleryPeople} enrolled, ${whole.mated} mated, ${whole.nonMated} non-mated probes`,
);
console.log(`  rank-1 ${pct(whole.rank1)}`);
console.log(
  `  operating point at ${whole.galleryPeople} people (threshold ${whole.threshold.toFixed(4)}): FPIR ${pct(whole.fpir)}, FNIR ${pct(whole.fnir)}`,
);
console.log(`  sweep: FNIR @ FPIR 1 % ${pct(whole.fnirAtFpir1e2)}, @ FPIR 0.1 % ${pct(whole.fnirAtFpir1e3)}`);
for (const g of whole.subGalleries)
  console.log(
    `  FPIR with the first ${g.people} enrolled (threshold ${g.threshold.toFixed(4)}): ${pct(g.fpir)}`,
  );
const fixed = evaluateOpenSet(full, embeddingOf, model, {
  kind: 'fixed',
  threshold: DEFAULT_MATCH_THRESHOLD,
});
console.log(
  `  before (fixed 1:1 threshold ${DEFAULT_MATCH_THRESHOLD}): FPIR ${pct(fixed.fpir)}, FNIR ${pct(fixed.fnir)}`,
);

if (flag('--write')) {
  const file = path.join(REPO_ROOT, 'src/engine/open-set-calibration.data.ts');
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  const body = {
    ...calibration,
    impostorTail: {
      intercept: round(calibration.impostorTail.intercept),
      slope: round(calibration.impostorTail.slope),
    },
  };
  await writeFile(
    file,
    [
      '// Written by `npm run fit:open-set -- --write` (scripts/fit-open-set.ts): do not edit by hand.',
      '// The 1:N calibration of each model version (see src/core/open-set.ts and docs/adr/0002).',
      "import type { OpenSetCalibration } from '../core/open-set.ts';",
      '',
      `export const OPEN_SET_CALIBRATIONS: readonly OpenSetCalibration[] = [${JSON.stringify(body, null, 2)}];`,
      '',
    ].join('\n'),
  );
  // Keep the generated module in the repository's style, so a refit's diff shows only new numbers.
  spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules/@biomejs/biome/bin/biome'), 'format', '--write', file],
    {
      stdio: 'ignore',
    },
  );
  console.log(`\nwrote ${path.relative(REPO_ROOT, file)}`);
}

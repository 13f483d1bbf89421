/**
 * npm run bench:engine [-- --limit N] [-- --full] [-- --runtime auto|onnx|wasm] [-- --open-set] [-- --no-wasm]
 * Naive face-api baseline vs the faceflow engine (1 thread, all cores, and a 4-thread pool for
 * memory, also on its worst case) on a seeded lfw-dev sample plus face-api's 1920-pixel demo
 * photos, and both on wider-dev's group photos (detection recall, false positives, time per photo),
 * in one run. The engine's networks run on --runtime (default auto: ONNX Runtime when it loads, ADR 0011).
 * Also open-set identification on all of lfw-dev (the eval-identify protocol at the default operating
 * point) from the cached embeddings of scripts/lib/lfw-embeddings.ts (`--open-set` computes them when
 * the cache lacks this model: about 20 minutes on 2 cores).
 * When the engine runs on ONNX Runtime, the same engine phases follow on the tfjs-WASM fallback
 * (`--no-wasm` skips them): a runtime comparison table and a `wasm` object in the results.
 * Prints a table; writes bench/results/engine.json.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { DetectionReport } from '../src/core/detection-metrics.ts';
import { DEFAULT_ANALYZER_OPTIONS } from '../src/engine/face-analyzer.ts';
import { MODEL_NAME } from '../src/engine/model-info.ts';
import { flag, option, runPhase, table, writeResult } from './lib/bench-io.ts';
import { LFW_DEV, lfwSample } from './lib/lfw-sample.ts';
import { openSetFigures } from './lib/open-set-figures.ts';

type Baseline = { images: number; faces: number; missed: number; imagesPerSecond: number; peakRssMb: number };
type Engine = {
  threads: number;
  runtime: string;
  images: number;
  faces: number;
  missed: number;
  imagesPerSecond: number;
  msPerFace: Record<'decode' | 'detect' | 'landmarks' | 'embed', number>;
  demo: { images: number; faces: number; imagesPerSecond: number };
  verification: {
    pairs: number;
    accuracy: number;
    std: number;
    auc: number;
    threshold: number;
    missedFacePairs: number;
  } | null;
  peakRssMb: number;
};

/** The detection report (core/detection-metrics.ts) with the time per photo and memory of one phase. */
type Group = DetectionReport & { secondsPerPhoto: number; detectSecondsPerPhoto: number; peakRssMb: number };

type Stress = {
  threads: number;
  images: number;
  facelessImages: number;
  faces: number;
  facesInFacelessPhotos: number;
  imagesPerSecond: number;
  peakRssMb: number;
};

const args = process.argv.slice(2);
if (!existsSync(path.join(LFW_DEV, 'pairs.tsv'))) {
  console.error(`bench:engine needs the face data at ${LFW_DEV} (../shared/faces next to the repository)`);
  process.exit(1);
}
const full = flag(args, 'full');
const limit = Number(option(args, 'limit') ?? 500);
const threads = Number(option(args, 'threads') ?? availableParallelism());
const runtime = option(args, 'runtime') ?? 'auto';
const sample = await lfwSample(limit, full);
const demoDir = path.resolve(import.meta.dirname, '../node_modules/@vladmandic/face-api/demo');
const demo = (await readdir(demoDir))
  .filter((f) => /^sample\d\.jpg$/.test(f))
  .map((f) => path.join(demoDir, f));
const dir = await mkdtemp(path.join(tmpdir(), 'faceflow-bench-'));
const write = async (name: string, photos: string[]) => {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify({ root: LFW_DEV, photos, pairs: sample.pairs, demo }));
  return file;
};
const baselineCount = Math.min(200, sample.photos.length);
const phases = path.join(import.meta.dirname, 'engine-phases.ts');
console.error(
  `bench:engine: ${sample.photos.length} lfw-dev photos, ${sample.pairs.length} pairs among them, ${demo.length} demo photos`,
);
console.error('  baseline (naive face-api, 1 thread)…');
const baseline = await runPhase<Baseline>(phases, [
  'baseline',
  await write('baseline', sample.photos.slice(0, baselineCount)),
]);
const list = await write('engine', sample.photos);
const fourList = await write('four', sample.photos.slice(0, 200));
const stressList = await write('stress', sample.photos.slice(0, 200));
const WIDER_DEV = path.resolve(LFW_DEV, '../wider-dev');
let groupList: string | null = null;
if (existsSync(path.join(WIDER_DEV, 'boxes.tsv'))) {
  groupList = path.join(dir, 'group.json');
  await writeFile(
    groupList,
    JSON.stringify({
      root: WIDER_DEV,
      photos: [],
      pairs: [],
      demo: [],
      boxes: path.join(WIDER_DEV, 'boxes.tsv'),
    }),
  );
} else console.error(`  (no ${WIDER_DEV}: group-photo rows skipped)`);

/** Every engine phase on one runtime: 1 thread, all cores, the 4-thread pool, its worst case, group photos. */
async function measure(on: string) {
  console.error(`  engine (${on}), 1 thread…`);
  const one = await runPhase<Engine>(phases, ['engine', list, '1', on]);
  console.error(`  engine (${on}), ${threads} threads…`);
  const all = await runPhase<Engine>(phases, ['engine', list, String(threads), on]);
  console.error(`  engine (${on}), 4-thread pool (memory)…`);
  const four = await runPhase<Engine>(phases, ['engine', fourList, '4', on]);
  console.error(`  engine (${on}), 4-thread pool, worst case for memory (faceless 2048-px photos)…`);
  const stress = await runPhase<Stress>(phases, ['stress', stressList, '4', on]);
  let group: Group | null = null;
  if (groupList) {
    console.error(`  group photos (wider-dev): engine (${on}), 1 thread…`);
    group = await runPhase<Group>(phases, ['group', groupList, '1', on]);
  }
  return { one, all, four, stress, group };
}

const { one, all, four, stress, group } = await measure(runtime);
let groupBase: Group | null = null;
if (groupList) {
  console.error('  group photos (wider-dev): naive face-api SSD, 1 thread…');
  groupBase = await runPhase<Group>(phases, ['group-baseline', groupList]);
}
// The WASM fallback measured in the same run, so the two runtimes compare as ratios (issue 17).
const fallback = all.runtime === 'onnx' && !flag(args, 'no-wasm') ? await measure('wasm') : null;
console.error('  open-set identification (lfw-dev, all people)…');
const openSet = await openSetFigures({ compute: flag(args, 'open-set'), threads });

const ms = (x: number) => x.toFixed(1);
const rows = [
  [
    'naive face-api (SSD + 68 + descriptor)',
    1,
    baseline.images,
    baseline.imagesPerSecond.toFixed(2),
    '1.00',
    '',
    '',
    '',
    '',
    baseline.peakRssMb,
    `${((baseline.missed / baseline.images) * 100).toFixed(1)} %`,
  ],
  ...[one, all, four].map((e) => [
    'faceflow engine',
    e.threads,
    e.images,
    e.imagesPerSecond.toFixed(2),
    (e.imagesPerSecond / baseline.imagesPerSecond).toFixed(2),
    ms(e.msPerFace.decode),
    ms(e.msPerFace.detect),
    ms(e.msPerFace.landmarks),
    ms(e.msPerFace.embed),
    e.peakRssMb,
    `${((e.missed / e.images) * 100).toFixed(1)} %`,
  ]),
  [
    'faceflow engine, 1920-px demo photos',
    all.threads,
    all.demo.images,
    all.demo.imagesPerSecond.toFixed(2),
    '',
    '',
    '',
    '',
    '',
    '',
    `${all.demo.faces} faces`,
  ],
  [
    `faceflow engine, memory worst case (${stress.facelessImages} faceless 2048-px + demo + sample)`,
    stress.threads,
    stress.images,
    stress.imagesPerSecond.toFixed(2),
    '',
    '',
    '',
    '',
    '',
    stress.peakRssMb,
    `${stress.facesInFacelessPhotos} faces in faceless photos`,
  ],
];
console.log(
  table(
    [
      'configuration',
      'threads',
      'images',
      'images/s',
      '× baseline',
      'decode',
      'detect',
      'landmarks',
      'embed',
      'peak RSS MiB',
      'no face',
    ],
    rows,
  ),
);
console.log(
  `(decode … embed: thread-milliseconds per face; engine images/s on lfw-dev 250×250 photos; networks on ${all.runtime === 'onnx' ? 'ONNX Runtime CPU' : 'tfjs-WASM'})`,
);
const v = all.verification;
if (v) {
  console.log(
    `accuracy on the ${v.pairs} pairs among the sampled photos (LFW protocol, misses count as errors): ${(v.accuracy * 100).toFixed(2)} % ± ${(v.std * 100).toFixed(2)}, AUC ${v.auc.toFixed(4)}, threshold ${v.threshold.toFixed(4)}, missed-face pairs ${v.missedFacePairs}`,
  );
}
const speedup = all.imagesPerSecond / baseline.imagesPerSecond;
const scaling = all.imagesPerSecond / one.imagesPerSecond;
console.log(
  `speed-up all cores vs baseline: ${speedup.toFixed(2)}×   scaling 1 → ${all.threads} threads: ${scaling.toFixed(2)}×   4-thread pool peak RSS: ${four.peakRssMb} MiB (worst case ${stress.peakRssMb} MiB)`,
);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
if (groupBase && group) {
  console.log(
    table(
      [
        'group photos (wider-dev, 1 thread)',
        'photos',
        'recall ≥ 40 px',
        'recall 20–40 px',
        'FP/photo',
        'precision',
        'detect s/photo',
        '× baseline',
        'whole s/photo',
        '× baseline',
      ],
      [groupBase, group].map((g, i) => [
        i === 0 ? 'naive face-api (SSD MobileNet v1, minConfidence 0.5)' : 'faceflow engine',
        g.photos,
        pct(g.recallLarge),
        pct(g.recallSmall),
        g.falsePositivesPerPhoto.toFixed(3),
        pct(g.precision),
        g.detectSecondsPerPhoto.toFixed(3),
        (g.detectSecondsPerPhoto / groupBase.detectSecondsPerPhoto).toFixed(2),
        g.secondsPerPhoto.toFixed(3),
        (g.secondsPerPhoto / groupBase.secondsPerPhoto).toFixed(2),
      ]),
    ),
  );
}
const wasm = fallback && {
  runtime: 'wasm',
  speedup: fallback.all.imagesPerSecond / baseline.imagesPerSecond,
  scaling: fallback.all.imagesPerSecond / fallback.one.imagesPerSecond,
  peakRssMb: fallback.four.peakRssMb,
  peakRssMbWorstCase: fallback.stress.peakRssMb,
  engineOneThread: {
    imagesPerSecond: fallback.one.imagesPerSecond,
    msPerFace: fallback.one.msPerFace,
    peakRssMb: fallback.one.peakRssMb,
  },
  engineAllCores: {
    imagesPerSecond: fallback.all.imagesPerSecond,
    threads: fallback.all.threads,
    msPerFace: fallback.all.msPerFace,
    peakRssMb: fallback.all.peakRssMb,
  },
  accuracy: fallback.all.verification?.accuracy ?? null,
  missedFaceRate: fallback.all.missed / fallback.all.images,
  groupPhotos: fallback.group,
};
if (fallback && wasm) {
  const runtimes = [
    { name: `${all.runtime} (default)`, m: { one, all, four, stress, group }, speedup, scaling },
    { name: 'wasm (fallback)', m: fallback, speedup: wasm.speedup, scaling: wasm.scaling },
  ];
  const groupSeconds = (g: Group | null) => (g ? g.secondsPerPhoto.toFixed(3) : '');
  console.log(
    table(
      [
        'runtime',
        'images/s 1 thread',
        `images/s ${threads} threads`,
        '× baseline',
        'scaling',
        'embed ms/face (1 thread)',
        '4-thread RSS MiB',
        'worst case MiB',
        'group photo s (1 thread)',
        '× wasm',
        'accuracy (sampled pairs)',
      ],
      runtimes.map((r) => [
        r.name,
        r.m.one.imagesPerSecond.toFixed(2),
        r.m.all.imagesPerSecond.toFixed(2),
        r.speedup.toFixed(2),
        r.scaling.toFixed(2),
        ms(r.m.one.msPerFace.embed),
        r.m.four.peakRssMb,
        r.m.stress.peakRssMb,
        groupSeconds(r.m.group),
        r.m.group && fallback.group
          ? (r.m.group.secondsPerPhoto / fallback.group.secondsPerPhoto).toFixed(2)
          : '',
        r.m.all.verification ? pct(r.m.all.verification.accuracy) : '',
      ]),
    ),
  );
}
if (openSet) {
  const o = openSet;
  console.log(
    table(
      [
        'open-set, lfw-dev (eval-identify protocol)',
        'enrolled',
        'mated',
        'non-mated',
        'rank-1',
        'FPIR',
        'FNIR',
        'FNIR @ FPIR 1 %',
        'FPIR 1 / 10 / 100 enrolled',
      ],
      [
        [
          `default operating point (threshold ${o.threshold.toFixed(4)})`,
          o.galleryPeople,
          o.mated,
          o.nonMated,
          pct(o.rank1),
          pct(o.fpir),
          pct(o.fnir),
          pct(o.fnirAtFpir1e2),
          o.subGalleries.map((g) => pct(g.fpir)).join(' / '),
        ],
      ],
    ),
  );
} else
  console.log(
    'open-set: no cached lfw-dev embeddings of this model (run with --open-set, or npm run fit:open-set)',
  );
const file = await writeResult('engine', {
  date: new Date().toISOString(),
  runtime: all.runtime,
  sample: { photos: sample.photos.length, pairs: sample.pairs.length, full, seed: 42 },
  baseline: {
    imagesPerSecond: baseline.imagesPerSecond,
    images: baseline.images,
    missedFaceRate: baseline.missed / baseline.images,
    peakRssMb: baseline.peakRssMb,
  },
  engineOneThread: {
    imagesPerSecond: one.imagesPerSecond,
    msPerFace: one.msPerFace,
    peakRssMb: one.peakRssMb,
  },
  engineAllCores: {
    imagesPerSecond: all.imagesPerSecond,
    threads: all.threads,
    msPerFace: all.msPerFace,
    peakRssMb: all.peakRssMb,
  },
  engineFourThreads: { imagesPerSecond: four.imagesPerSecond, peakRssMb: four.peakRssMb },
  engineFourThreadsWorstCase: stress,
  demoPhotos: all.demo,
  speedup,
  scaling,
  peakRssMb: four.peakRssMb,
  peakRssMbWorstCase: stress.peakRssMb,
  accuracy: v?.accuracy ?? null,
  accuracyStd: v?.std ?? null,
  auc: v?.auc ?? null,
  threshold: v?.threshold ?? null,
  missedFaceRate: all.missed / all.images,
  groupPhotos: group && groupBase && { baseline: groupBase, engine: group },
  openSet,
  wasm,
  config: {
    ...DEFAULT_ANALYZER_OPTIONS,
    model: `${MODEL_NAME}: YuNet detector (ONNX Runtime) + face-api 68 landmarks + ResNet-34 128-d fused with the ArcFace-template 512-d (always ONNX Runtime), on ${all.runtime === 'onnx' ? 'ONNX Runtime CPU (converted, ADR 0011)' : 'tfjs WASM SIMD'}`,
  },
});
console.log(`results: ${path.relative(process.cwd(), file)}`);

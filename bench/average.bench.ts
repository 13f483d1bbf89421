/**
 * npm run bench:average [-- --limit N] [-- --full] [-- --threads N]
 * `faceflow average` over a seeded lfw-dev sample (600 photos; --full: all of them) with 1 and 2 workers
 * of one engine thread each, against the raw engine's all-cores throughput measured in the same run.
 * Targets (issue 6): 2 workers ≥ 0.9× the engine's all-cores throughput, and ≥ 1.7× the 1-worker run.
 * Prints a table; writes bench/results/average.json.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { flag, option, runPhase, table, writeResult } from './lib/bench-io.ts';
import { LFW_DEV, lfwSample } from './lib/lfw-sample.ts';

type EngineRun = {
  photos: number;
  faces: number;
  seconds: number;
  photosPerSecond: number;
  peakRssMb: number;
};
type AverageRun = EngineRun & { skipped: Record<string, number>; jobPhotosPerSecond: number };

const args = process.argv.slice(2);
if (!existsSync(path.join(LFW_DEV, 'pairs.tsv'))) {
  console.error(`bench:average needs the face data at ${LFW_DEV} (../shared/faces next to the repository)`);
  process.exit(1);
}
const full = flag(args, 'full');
const limit = Number(option(args, 'limit') ?? 600);
const threads = Number(option(args, 'threads') ?? availableParallelism());
const sample = await lfwSample(limit, full);
const dir = await mkdtemp(path.join(tmpdir(), 'faceflow-bench-average-'));
const list = path.join(dir, 'photos.txt');
await writeFile(list, `${sample.photos.map((p) => path.join(LFW_DEV, p)).join('\n')}\n`);
const phases = path.join(import.meta.dirname, 'average-phases.ts');

console.error(`bench:average: ${sample.photos.length} lfw-dev photos, ${threads} cores`);
console.error(`  raw engine, ${threads} threads…`);
const engine = await runPhase<EngineRun>(phases, ['engine', list, String(threads)]);
console.error('  faceflow average, 1 worker…');
const one = await runPhase<AverageRun>(phases, ['average', list, '1', path.join(dir, 'one')]);
console.error('  faceflow average, 2 workers…');
const two = await runPhase<AverageRun>(phases, ['average', list, '2', path.join(dir, 'two')]);
await rm(dir, { recursive: true, force: true });

const f = (x: number, d = 2) => x.toFixed(d);
console.log(
  table(
    ['run', 'photos', 'faces', 'seconds', 'photos/s', 'vs engine', 'peak RSS MiB'],
    [
      [
        `raw engine, ${threads} threads`,
        engine.photos,
        engine.faces,
        f(engine.seconds, 1),
        f(engine.photosPerSecond),
        '1.00',
        engine.peakRssMb,
      ],
      [
        'average, 1 worker',
        one.photos,
        one.faces,
        f(one.seconds, 1),
        f(one.photosPerSecond),
        f(one.photosPerSecond / engine.photosPerSecond),
        one.peakRssMb,
      ],
      [
        'average, 2 workers',
        two.photos,
        two.faces,
        f(two.seconds, 1),
        f(two.photosPerSecond),
        f(two.photosPerSecond / engine.photosPerSecond),
        two.peakRssMb,
      ],
    ],
  ),
);
const vsEngine = two.photosPerSecond / engine.photosPerSecond;
const scaling = two.photosPerSecond / one.photosPerSecond;
console.log(
  `\n2 workers vs raw engine: ${f(vsEngine)}× (target ≥ 0.9: ${vsEngine >= 0.9 ? 'met' : 'NOT met'}); 1 → 2 workers: ${f(scaling)}× (target ≥ 1.7: ${scaling >= 1.7 ? 'met' : 'NOT met'})`,
);
const file = await writeResult('average', {
  at: new Date().toISOString(),
  photos: sample.photos.length,
  full,
  cores: availableParallelism(),
  threads,
  engine,
  average: { oneWorker: one, twoWorkers: two },
  ratios: { twoWorkersVsEngine: vsEngine, twoVsOneWorker: scaling },
  targets: { twoWorkersVsEngine: 0.9, twoVsOneWorker: 1.7 },
});
console.error(`written ${path.relative(process.cwd(), file)}`);

/**
 * One phase of bench:average in its own process (printed as one JSON line on stdout):
 *   engine <list> <threads>      raw engine throughput over the listed photos, all in flight
 *   average <list> <workers> <dataDir>   `faceflow average` end to end (coordinator + in-process workers)
 */
import { readFile } from 'node:fs/promises';
import { loadWorkerConfig } from '../src/config/roles.config.ts';
import { mapOrdered } from '../src/core/ordered-map.ts';
import { createFaceEngine } from '../src/engine/index.ts';
import { runAverage } from '../src/roles/average.ts';
import { peakRssMb } from './lib/bench-io.ts';

const [mode, list, count, dataDir] = process.argv.slice(2);
const photos = (await readFile(list as string, 'utf8')).split('\n').filter((l) => l.length > 0);
const n = Number(count);

if (mode === 'engine') {
  const engine = await createFaceEngine({ threads: n });
  await engine.analyze(new Uint8Array(await readFile(photos[0] as string)));
  const started = performance.now();
  let faces = 0;
  await mapOrdered(
    photos,
    n * 2,
    async (photo) => engine.analyze(new Uint8Array(await readFile(photo)), { priority: 'batch' }),
    (analysis) => {
      faces += analysis.faces.length;
    },
  );
  const seconds = (performance.now() - started) / 1000;
  await engine.close();
  console.log(
    JSON.stringify({
      photos: photos.length,
      faces,
      seconds,
      photosPerSecond: photos.length / seconds,
      peakRssMb: peakRssMb(),
    }),
  );
} else if (mode === 'average') {
  const config = loadWorkerConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  let started = performance.now();
  const job = await runAverage(config, {
    dataset: {
      path: list as string,
      label: 'bench',
      options: { face: 'largest', minScore: 0, chunkSize: 16 },
    },
    workers: n,
    maxEntryBytes: 20 * 1024 * 1024,
    // timed from the job's creation (the workers' engine is up by then), like the raw engine after warm-up
    onJob: () => {
      started = performance.now();
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const result = job.result;
  console.log(
    JSON.stringify({
      photos: result?.counts.photos,
      faces: result?.counts.faces,
      skipped: result?.counts.skipped,
      seconds,
      photosPerSecond: (result?.counts.photos ?? 0) / seconds,
      jobPhotosPerSecond: result?.stats.photosPerSecond,
      peakRssMb: peakRssMb(),
    }),
  );
} else {
  console.error(`unknown phase ${mode}`);
  process.exit(2);
}

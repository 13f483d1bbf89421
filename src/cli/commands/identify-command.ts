import type { Command } from 'commander';
import { toErrorInfo } from '../../core/errors.ts';
import { selectFaces } from '../../core/face-selection.ts';
import { Gallery } from '../../core/gallery.ts';
import { mapOrdered } from '../../core/ordered-map.ts';
import { defaultMatchPolicy } from '../../engine/open-set-calibration.ts';
import type { FaceEngine } from '../../ports/face-engine.ts';
import { analyzeFiles } from '../analyze-files.ts';
import {
  type EngineCliOptions,
  parseNumberOption,
  withEngine,
  withEngineOptions,
} from '../engine-session.ts';
import { listImages, readImageFile } from '../image-files.ts';
import { readKnownPeople } from '../known-people.ts';
import { printJson } from '../output.ts';

interface IdentifyOptions extends EngineCliOptions {
  tolerance?: string;
  showDistance?: boolean;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const nullableRound6 = (x: number | null) => (x === null ? null : round6(x));

async function enrol(engine: FaceEngine, knownDir: string, quiet: boolean): Promise<Gallery> {
  const known = await readKnownPeople(knownDir);
  const gallery = new Gallery(engine.model);
  const warn = (message: string) => {
    if (!quiet) process.stderr.write(`faceflow: warning: ${message}\n`);
  };
  await mapOrdered(
    known,
    engine.stats().threads * 2,
    async (photo) => {
      try {
        return { photo, analysis: await engine.analyze(await readImageFile(photo.file)) };
      } catch (error) {
        return { photo, error: toErrorInfo(error) };
      }
    },
    (result) => {
      if (result.error) return warn(`${result.photo.file}: ${result.error.message}; skipped`);
      const { faces, width, height } = result.analysis;
      if (faces.length === 0) return warn(`no face found in known photo ${result.photo.file}; skipped`);
      if (faces.length > 1)
        warn(`${faces.length} faces in known photo ${result.photo.file}; using the largest`);
      const [face] = selectFaces(faces, 'largest', width, height);
      if (face) gallery.add(result.photo.person, face.embedding);
    },
  );
  return gallery;
}

export function registerIdentify(program: Command): void {
  withEngineOptions(
    program
      .command('identify')
      .description('name the people in photos: <file>,<person|unknown_person|no_persons_found>[,<distance>]')
      .argument('<known_dir>', 'one folder per person, or photos named <person>.jpg / <person>_<n>.jpg')
      .argument('<unknown_paths...>', 'photos or folders of photos to identify')
      .option(
        '--tolerance <distance>',
        "largest distance that still counts as a match, at any number of known people (default: the model's 1:N calibration, which tightens with more people)",
      )
      .option('--show-distance', 'append the distance to the nearest known person'),
  ).action(async (knownDir: string, unknownPaths: string[], options: IdentifyOptions) => {
    const tolerance =
      options.tolerance === undefined ? undefined : parseNumberOption('--tolerance', options.tolerance, 0, 4);
    const files = (await Promise.all(unknownPaths.map(listImages))).flat();
    const json = await withEngine(options, async (engine) => {
      const gallery = await enrol(engine, knownDir, options.json === true);
      const policy = defaultMatchPolicy(engine.model, tolerance);
      return analyzeFiles(
        engine,
        files,
        { json: options.json === true, label: 'identify' },
        (file, analysis) => {
          const faces = analysis.faces.map((face) => {
            const { match, operatingPoint } = gallery.decide(face.embedding, policy);
            const { distance } = operatingPoint;
            return {
              ...face.box,
              person: match?.personId ?? null,
              distance: distance === null ? null : round6(distance),
              operatingPoint: {
                ...operatingPoint,
                secondDistance: nullableRound6(operatingPoint.secondDistance),
                margin: nullableRound6(operatingPoint.margin),
                threshold: round6(operatingPoint.threshold),
                distance: nullableRound6(distance),
              },
            };
          });
          const lines =
            faces.length === 0
              ? [`${file},no_persons_found`]
              : faces.map((face) => {
                  const distance =
                    options.showDistance && face.distance !== null ? `,${face.distance.toFixed(4)}` : '';
                  return `${file},${face.person ?? 'unknown_person'}${distance}`;
                });
          return { json: { file, faces }, lines };
        },
      );
    });
    if (options.json) printJson(json);
  });
}

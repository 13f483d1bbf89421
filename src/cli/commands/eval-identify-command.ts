import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { evaluateIdentification } from '../../app/evaluate-identification.ts';
import { AppError } from '../../core/errors.ts';
import { defaultMatchPolicy } from '../../engine/open-set-calibration.ts';
import { type EngineCliOptions, withEngine, withEngineOptions } from '../engine-session.ts';
import { printJson } from '../output.ts';
import { readPeopleFolders } from '../people-folders.ts';
import { createProgress } from '../progress.ts';

const percent = (x: number) => `${(x * 100).toFixed(2)} %`;

function parsePeople(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2)
    throw new AppError('invalid_input', `--people must be a whole number of at least 2, got "${value}"`);
  return n;
}

export function registerEvalIdentify(program: Command): void {
  withEngineOptions(
    program
      .command('eval-identify')
      .description(
        'open-set identification (1:N) on a folder of people: people at even positions in name order are ' +
          'enrolled with their first photo, their other photos are mated probes, the others are strangers; ' +
          'rank-1, FPIR and FNIR at the default operating point, FNIR at FPIR 1 % and 0.1 %',
      )
      .requiredOption('--root <dir>', 'one folder per person (<root>/<person>/<photo>), e.g. an LFW copy')
      .option('--people <n>', 'only the first n people in name order'),
  ).action(async (options: EngineCliOptions & { root: string; people?: string }) => {
    const limit = parsePeople(options.people);
    const people = await readPeopleFolders(options.root);
    const progress = createProgress('eval-identify', !options.json);
    const report = await withEngine(options, (engine) =>
      evaluateIdentification({
        engine,
        people,
        ...(limit === undefined ? {} : { limit }),
        policy: defaultMatchPolicy(engine.model),
        readImage: (photo) => readFile(path.join(options.root, photo)),
        onProgress: (done, total) => progress.tick(done, total),
      }),
    );
    progress.stop();
    const json = {
      galleryPeople: report.galleryPeople,
      mated: report.mated,
      nonMated: report.nonMated,
      rank1: report.rank1,
      fpir: report.fpir,
      fnir: report.fnir,
      threshold: report.threshold,
      fnirAtFpir1e2: report.fnirAtFpir1e2,
      fnirAtFpir1e3: report.fnirAtFpir1e3,
      photos: report.photos,
      photosWithoutFace: report.photosWithoutFace,
      enrolledWithoutFace: report.enrolledWithoutFace,
      subGalleries: report.subGalleries,
      seconds: report.seconds,
    };
    if (options.json) {
      printJson(json);
      return;
    }
    const lines = [
      `gallery              ${report.galleryPeople} people enrolled (${report.enrolledWithoutFace} more had no face in their enrolment photo)`,
      `probes               ${report.mated} mated, ${report.nonMated} non-mated`,
      `rank-1               ${percent(report.rank1)}`,
      `default operating point (threshold ${report.threshold.toFixed(4)} at ${report.galleryPeople} people):`,
      `  FPIR               ${percent(report.fpir)}`,
      `  FNIR               ${percent(report.fnir)}`,
      `FNIR @ FPIR 1 %      ${percent(report.fnirAtFpir1e2)} (threshold sweep on the best-match distance)`,
      `FNIR @ FPIR 0.1 %    ${percent(report.fnirAtFpir1e3)}`,
      ...report.subGalleries.map(
        (g) =>
          `FPIR, ${String(g.people).padEnd(3)} enrolled  ${percent(g.fpir)} (threshold ${g.threshold.toFixed(4)}; the first ${g.people}, all non-mated probes)`,
      ),
      `no face found        ${report.photosWithoutFace} of ${report.photos} photos`,
      `time                 ${report.seconds.toFixed(1)} s`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  });
}

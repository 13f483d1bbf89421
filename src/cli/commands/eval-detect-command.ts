import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { evaluateDetection, parseBoxes } from '../../app/evaluate-detection.ts';
import { type EngineCliOptions, withEngine, withEngineOptions } from '../engine-session.ts';
import { readImageFile } from '../image-files.ts';
import { printJson } from '../output.ts';
import { createProgress } from '../progress.ts';

const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

export function registerEvalDetect(program: Command): void {
  withEngineOptions(
    program
      .command('eval-detect')
      .description(
        'face detection on annotated photos: recall for faces ≥ 40 px and 20–40 px tall, false positives per photo, precision',
      )
      .requiredOption(
        '--boxes <file>',
        'annotations: file<TAB>left<TAB>top<TAB>width<TAB>height[<TAB>flags] per face',
      )
      .requiredOption('--root <dir>', 'folder the file names are relative to'),
  ).action(async (options: EngineCliOptions & { boxes: string; root: string }) => {
    const boxes = parseBoxes(new TextDecoder().decode(await readImageFile(options.boxes)));
    const progress = createProgress('eval-detect', !options.json);
    const report = await withEngine(options, (engine) =>
      evaluateDetection({
        engine,
        boxes,
        readImage: (file) => readFile(path.join(options.root, file)),
        onProgress: (done, total) => progress.tick(done, total),
      }),
    );
    progress.stop();
    if (options.json) {
      printJson(report);
      return;
    }
    process.stdout.write(
      [
        `photos                 ${report.photos}${report.unreadable ? ` (${report.unreadable} unreadable)` : ''}`,
        `recall, faces ≥ 40 px  ${percent(report.recallLarge)} of ${report.largeFaces}`,
        `recall, 20–40 px       ${percent(report.recallSmall)} of ${report.smallFaces}`,
        `false positives/photo  ${report.falsePositivesPerPhoto.toFixed(3)}`,
        `precision              ${percent(report.precision)}`,
        `time                   ${report.seconds.toFixed(1)} s`,
        '',
      ].join('\n'),
    );
  });
}

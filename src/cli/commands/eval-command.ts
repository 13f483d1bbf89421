import path from 'node:path';
import type { Command } from 'commander';
import { readRegularFile } from '../../app/confine-path.ts';
import { evaluatePairs, parsePairs } from '../../app/evaluate-pairs.ts';
import { type EngineCliOptions, withEngine, withEngineOptions } from '../engine-session.ts';
import { readImageFile } from '../image-files.ts';
import { printJson } from '../output.ts';
import { createProgress } from '../progress.ts';

const percent = (x: number) => `${(x * 100).toFixed(2)} %`;

export function registerEval(program: Command): void {
  withEngineOptions(
    program
      .command('eval')
      .description(
        'LFW-protocol verification accuracy (10 folds), ROC AUC, TAR at FAR, recommended threshold',
      )
      .requiredOption('--pairs <file>', 'pairs file: same|diff<TAB>path1<TAB>path2 per line')
      .requiredOption('--root <dir>', 'folder the pair paths are relative to')
      .option('--limit <n>', 'only the first n pairs'),
  ).action(async (options: EngineCliOptions & { pairs: string; root: string; limit?: string }) => {
    let pairs = parsePairs(new TextDecoder().decode(await readImageFile(options.pairs)));
    if (options.limit !== undefined)
      pairs = pairs.slice(0, Math.max(10, Number.parseInt(options.limit, 10) || 0));
    const progress = createProgress('eval', !options.json);
    const report = await withEngine(options, (engine) =>
      evaluatePairs({
        engine,
        pairs,
        // a missing photo still fails the run; a FIFO or device counts as an unreadable photo
        readImage: (p) => readRegularFile(path.join(options.root, p)),
        onProgress: (done, total) => progress.tick(done, total),
      }),
    );
    progress.stop();
    const { accuracy, std, auc, tarAtFar1e2, tarAtFar1e3, threshold, missedFacePairs, seconds } = report;
    if (options.json) {
      printJson({
        pairs: report.pairs,
        accuracy,
        std,
        auc,
        tarAtFar1e2,
        tarAtFar1e3,
        threshold,
        missedFacePairs,
        seconds,
      });
      return;
    }
    process.stdout.write(
      [
        `pairs                ${report.pairs} (${report.images} photos, ${report.imagesWithoutFace} without a face)`,
        `accuracy (10-fold)   ${percent(accuracy)} ± ${percent(std)}`,
        `ROC AUC              ${auc.toFixed(4)}`,
        `TAR @ FAR 1 %        ${percent(tarAtFar1e2)}`,
        `TAR @ FAR 0.1 %      ${percent(tarAtFar1e3)}`,
        `threshold            ${threshold.toFixed(4)} (mean of the fold thresholds)`,
        `missed-face pairs    ${missedFacePairs}`,
        `time                 ${seconds.toFixed(1)} s`,
        '',
      ].join('\n'),
    );
  });
}

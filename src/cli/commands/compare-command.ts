import type { Command } from 'commander';
import { euclideanDistance } from '../../core/embedding.ts';
import { AppError } from '../../core/errors.ts';
import { selectFaces } from '../../core/face-selection.ts';
import {
  type EngineCliOptions,
  parseNumberOption,
  withEngine,
  withEngineOptions,
} from '../engine-session.ts';
import { readImageFile } from '../image-files.ts';
import { printJson } from '../output.ts';

export function registerCompare(program: Command): void {
  withEngineOptions(
    program
      .command('compare')
      .description(
        'distance between the main (largest) faces of two photos, and whether they are the same person',
      )
      .argument('<a>', 'first photo')
      .argument('<b>', 'second photo')
      .option(
        '--tolerance <distance>',
        'largest distance that counts as the same person (default: model threshold)',
      ),
  ).action(async (a: string, b: string, options: EngineCliOptions & { tolerance?: string }) => {
    const tolerance =
      options.tolerance === undefined ? undefined : parseNumberOption('--tolerance', options.tolerance, 0, 4);
    const [bytesA, bytesB] = await Promise.all([readImageFile(a), readImageFile(b)]);
    await withEngine({ ...options, cpus: options.cpus ?? '2' }, async (engine) => {
      const [first, second] = await Promise.all([engine.analyze(bytesA), engine.analyze(bytesB)]);
      const pick = (file: string, analysis: typeof first) => {
        const [face] = selectFaces(analysis.faces, 'largest', analysis.width, analysis.height);
        if (!face) throw new AppError('no_face', `no face found in ${file}`);
        return face;
      };
      const distance = euclideanDistance(pick(a, first).embedding, pick(b, second).embedding);
      const threshold = tolerance ?? engine.model.threshold;
      const same = distance <= threshold;
      if (options.json) printJson({ distance, same, threshold });
      else
        process.stdout.write(
          `distance ${distance.toFixed(4)}: ${same ? 'same person' : 'different people'} (threshold ${threshold})\n`,
        );
    });
  });
}

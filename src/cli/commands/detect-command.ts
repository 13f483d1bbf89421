import type { Command } from 'commander';
import { analyzeFiles } from '../analyze-files.ts';
import { type EngineCliOptions, withEngine, withEngineOptions } from '../engine-session.ts';
import { listImages } from '../image-files.ts';
import { printJson } from '../output.ts';

export function registerDetect(program: Command): void {
  withEngineOptions(
    program
      .command('detect')
      .description('print the box of every face: <file>,<top>,<right>,<bottom>,<left>')
      .argument('<paths...>', 'photos or folders of photos'),
  ).action(async (paths: string[], options: EngineCliOptions) => {
    const files = (await Promise.all(paths.map(listImages))).flat();
    const json = await withEngine(options, (engine) =>
      analyzeFiles(engine, files, { json: options.json === true, label: 'detect' }, (file, analysis) => {
        const faces = analysis.faces.map((f) => ({ ...f.box, score: f.score }));
        return {
          json: { file, faces },
          lines: faces.map((f) => `${file},${f.top},${f.right},${f.bottom},${f.left}`),
        };
      }),
    );
    if (options.json) printJson(json);
  });
}

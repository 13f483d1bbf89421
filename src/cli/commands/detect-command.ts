import type { Command } from 'commander';
import { toErrorInfo } from '../../core/errors.ts';
import { mapOrdered } from '../../core/ordered-map.ts';
import { type EngineCliOptions, withEngine, withEngineOptions } from '../engine-session.ts';
import { listImages, readImageFile } from '../image-files.ts';
import { printJson } from '../output.ts';
import { createProgress } from '../progress.ts';

export function registerDetect(program: Command): void {
  withEngineOptions(
    program
      .command('detect')
      .description('print the box of every face: <file>,<top>,<right>,<bottom>,<left>')
      .argument('<paths...>', 'photos or folders of photos'),
  ).action(async (paths: string[], options: EngineCliOptions) => {
    const files = (await Promise.all(paths.map(listImages))).flat();
    const json: unknown[] = [];
    let failures = 0;
    const progress = createProgress('detect', !options.json);
    await withEngine(options.cpus, async (engine) => {
      await mapOrdered(
        files,
        engine.stats().threads * 2,
        async (file) => {
          try {
            return { file, analysis: await engine.analyze(await readImageFile(file)) };
          } catch (error) {
            return { file, error: toErrorInfo(error) };
          }
        },
        (result, index) => {
          progress.tick(index + 1, files.length);
          if (result.error) {
            failures++;
            const { code, message } = result.error;
            if (options.json) json.push({ file: result.file, error: { code, message } });
            else process.stderr.write(`faceflow: ${result.file}: ${message} (${code})\n`);
            return;
          }
          const faces = result.analysis.faces.map((f) => ({ ...f.box, score: f.score }));
          if (options.json) json.push({ file: result.file, faces });
          else
            for (const f of faces)
              process.stdout.write(`${result.file},${f.top},${f.right},${f.bottom},${f.left}\n`);
        },
      );
    });
    progress.stop();
    if (options.json) printJson(json);
    if (failures > 0) process.exitCode = 1;
  });
}

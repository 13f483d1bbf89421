import { AppError, type ErrorInfo, toErrorInfo } from '../core/errors.ts';
import type { FaceAnalysis } from '../core/face.ts';
import { mapOrdered } from '../core/ordered-map.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import { readImageFile } from './image-files.ts';
import { createProgress } from './progress.ts';

export interface FileOutput {
  /** The file's entry in the --json array. */
  json: unknown;
  /** The file's lines in text mode. */
  lines: string[];
}

/**
 * Runs every file through the engine (bounded in flight, results in input order) and prints each
 * result as it comes: a JSON entry collected for the final array, or text lines. A file that fails
 * gets `{"file","error"}` (or one `faceflow: <file>: …` line on stderr) and the exit code becomes 1
 * (the other files' results are printed all the same). With `--json`, when no file could be analysed
 * at all, the answer is the README's error shape `{"error":{"code","message"}}` instead of an array.
 */
export async function analyzeFiles(
  engine: FaceEngine,
  files: readonly string[],
  options: { json: boolean; label: string },
  render: (file: string, analysis: FaceAnalysis) => FileOutput,
): Promise<unknown[]> {
  const json: unknown[] = [];
  let analysed = 0;
  let firstFailure: { file: string; error: ErrorInfo } | null = null;
  const progress = createProgress(options.label, !options.json);
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
        process.exitCode = 1;
        firstFailure ??= { file: result.file, error: result.error };
        const { code, message } = result.error;
        if (options.json) json.push({ file: result.file, error: { code, message } });
        else process.stderr.write(`faceflow: ${result.file}: ${message} (${code})\n`);
        return;
      }
      analysed++;
      const output = render(result.file, result.analysis as FaceAnalysis);
      if (options.json) json.push(output.json);
      else for (const line of output.lines) process.stdout.write(`${line}\n`);
    },
  );
  progress.stop();
  if (options.json && analysed === 0 && firstFailure) {
    const { file, error } = firstFailure as { file: string; error: ErrorInfo };
    const others = files.length > 1 ? ` (and ${files.length - 1} more file(s) failed)` : '';
    throw new AppError(error.code, `${file}: ${error.message}${others}`);
  }
  return json;
}

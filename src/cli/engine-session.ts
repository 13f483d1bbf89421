import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { AppError } from '../core/errors.ts';
import { createFaceEngine } from '../engine/index.ts';
import { ENGINE_RUNTIMES, type EngineRuntimeChoice } from '../engine/runtime/engine-runtime.ts';
import type { FaceEngine } from '../ports/face-engine.ts';

export interface EngineCliOptions {
  json?: boolean;
  cpus?: string;
  runtime?: EngineRuntimeChoice;
}

/** Adds the options every engine command shares. */
export function withEngineOptions(command: Command): Command {
  return command
    .option('--json', 'machine-readable JSON on stdout')
    .option('--cpus <n>', 'engine threads (default: all CPU cores; -1 also means all)')
    .addOption(
      new Option(
        '--runtime <name>',
        'where the networks run: ONNX Runtime when it loads, or always onnx / wasm',
      )
        .choices(ENGINE_RUNTIMES)
        .env('ENGINE_RUNTIME')
        .default('auto'),
    );
}

export function parseThreads(cpus: string | undefined): number {
  if (cpus === undefined || cpus === '-1') return availableParallelism();
  const n = Number(cpus);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new AppError('invalid_input', `--cpus must be a whole number from 1 to 256 (or -1), got "${cpus}"`);
  }
  return n;
}

/** Starts the engine pool for one command and always closes it. */
export async function withEngine<T>(
  options: Pick<EngineCliOptions, 'cpus' | 'runtime'>,
  fn: (engine: FaceEngine) => Promise<T>,
): Promise<T> {
  const engine = await createFaceEngine({ threads: parseThreads(options.cpus), runtime: options.runtime });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

export function parseNumberOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new AppError('invalid_input', `${name} must be a number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

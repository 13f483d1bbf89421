import { AppError } from '../core/errors.ts';

/** Prints an error the CLI way (one line, or `{"error":{code,message}}` with --json); returns the exit code. */
export function printError(error: unknown, json: boolean): number {
  const info =
    error instanceof AppError
      ? { code: error.code, message: error.message }
      : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
  if (json) process.stdout.write(`${JSON.stringify({ error: info })}\n`);
  else process.stderr.write(`faceflow: ${info.message} (${info.code})\n`);
  return info.code === 'internal' ? 70 : 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

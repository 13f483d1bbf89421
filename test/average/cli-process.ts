import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** `node bin/faceflow.js <args>` as a child process, one engine thread, logs at warn. */
export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, ['bin/faceflow.js', ...args], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'warn', ENGINE_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | NodeJS.Signals | null>((done) =>
    child.on('exit', (code, signal) => done(code ?? signal)),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the CLI to the end. */
export async function runCli(args: string[], env: Record<string, string>) {
  const p = spawnCli(args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Waits until `predicate` holds (polled), or fails after `timeoutMs` with `what`. */
export async function waitUntil(
  predicate: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The job id `faceflow average` prints on stderr at start. */
export function jobIdFrom(stderr: string): string | null {
  return /average job (avg_[0-9a-f]+)/.exec(stderr)?.[1] ?? null;
}

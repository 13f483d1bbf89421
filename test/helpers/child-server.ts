import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

export interface ChildServer {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts `node bin/faceflow.js <args>` (default `all`) as a child process and waits for the URL it
 * prints (`ready`'s first group).
 */
export async function startChildServer(
  env: Record<string, string>,
  args: string[] = ['all'],
  timeoutMs = 60_000,
  ready: RegExp = /faceflow is running at (http:\/\/\S+)/,
): Promise<ChildServer> {
  const child = spawn(process.execPath, ['bin/faceflow.js', ...args], {
    cwd: REPO,
    // Rate limits off: tests and benchmarks send far more than a person would (test/security turns them on).
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ENGINE_THREADS: '1', RATE_LIMIT: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | NodeJS.Signals | null>((done) =>
    child.on('exit', (code, signal) => done(code ?? signal)),
  );
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start in time:\n${out}`)), timeoutMs);
    const check = () => {
      const match = ready.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout?.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}) before starting:\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}

/** Test teardown: SIGKILL the server if it is still running and wait for it to go. */
export async function killIfRunning(server: ChildServer | undefined): Promise<void> {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAllConfig } from '../../src/config/roles.config.ts';
import type { FaceEngine } from '../../src/ports/face-engine.ts';
import { type RunningAll, startAll } from '../../src/roles/all.ts';
import { createAdminAccount } from '../../src/roles/users.ts';
import { ApiClient, signIn, TEST_ADMIN } from './api-client.ts';

export interface TestServer {
  running: RunningAll;
  /** Signed in as the test admin (TEST_ADMIN); `api.anonymous()` has no credentials. */
  api: ApiClient;
  dataDir: string;
  importRoot: string;
  /** Files under DATA_DIR/blobs (to check that nothing was stored). */
  blobCount(): number;
  stop(): Promise<void>;
}

function countFiles(dir: string): number {
  let n = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true }))
      n += e.isDirectory() ? countFiles(join(dir, e.name)) : e.isFile() ? 1 : 0;
  } catch {
    return 0;
  }
  return n;
}

/** `faceflow all` in this process on a random port and a fresh DATA_DIR (the real engine unless one is given). */
export async function startTestServer(
  env: Record<string, string> = {},
  engine?: FaceEngine,
): Promise<TestServer> {
  const base = mkdtempSync(join(tmpdir(), 'faceflow-test-'));
  const dataDir = join(base, 'data');
  const importRoot = join(base, 'imports');
  mkdirSync(importRoot, { recursive: true });
  const config = loadAllConfig({
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    ENGINE_THREADS: process.env.ENGINE_THREADS ?? '1',
    IMPORT_ROOTS: importRoot,
    // Tests send far more than a person would; test/security turns the limits on.
    RATE_LIMIT: 'off',
    ...env,
  });
  const running = await startAll(config, { engine, drainMs: 5000 });
  let api: ApiClient;
  try {
    // What `faceflow users create-admin` does, in this process; then the login API.
    // A restart on the same DATA_DIR finds the admin there already.
    if (config.AUTH)
      await createAdminAccount(config, TEST_ADMIN.name, TEST_ADMIN.password).catch((error: unknown) => {
        if ((error as { code?: string }).code !== 'conflict') throw error;
      });
    api = config.AUTH
      ? await signIn(running.url, TEST_ADMIN.name, TEST_ADMIN.password)
      : new ApiClient(running.url);
  } catch (error) {
    await running.close();
    throw error;
  }
  return {
    running,
    api,
    dataDir,
    importRoot,
    blobCount: () => countFiles(join(dataDir, 'blobs')),
    async stop() {
      await running.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

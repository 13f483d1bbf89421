/**
 * Embeddings of every lfw-dev photo, computed once per model version and cached under scratch/
 * (gitignored; embeddings never leave this machine, and are never printed).
 * Cache layout: scratch/open-set/<model-hash>.json (model, photo paths, which have a face) and
 * <model-hash>.f32 (one row of `dimensions` floats per photo, zeros where no face was found).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { embedCentreFaces } from '../../src/app/embed-photos.ts';
import { readPeopleFolders } from '../../src/cli/people-folders.ts';
import type { ModelInfo } from '../../src/core/face.ts';
import { createFaceEngine } from '../../src/engine/index.ts';
import { modelInfo } from '../../src/engine/model-info.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const LFW_DEV = path.resolve(REPO_ROOT, '../shared/faces/lfw-dev');
const CACHE_DIR = path.join(REPO_ROOT, 'scratch/open-set');

export interface CachedEmbeddings {
  model: Pick<ModelInfo, 'name' | 'version' | 'dimensions'>;
  /** Path (relative to lfw-dev) → embedding, or null when no face was found. */
  byPath: Map<string, Float32Array | null>;
}

/** The model the default engine reports, without starting it (worker threads know the library versions). */
async function expectedModelKey(): Promise<string | null> {
  const pkg = async (name: string) =>
    JSON.parse(await readFile(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  try {
    const model = modelInfo({ faceApi: await pkg('@vladmandic/face-api') });
    return `${model.name}@${model.version}`;
  } catch {
    return null;
  }
}

function cacheBase(modelKey: string, root: string, people?: number): string {
  const key =
    (root === LFW_DEV ? modelKey : `${modelKey}\n${root}`) +
    (people === undefined ? '' : `\npeople ${people}`);
  const name =
    (root === LFW_DEV ? 'lfw-dev' : path.basename(root)) + (people === undefined ? '' : `-first${people}`);
  return path.join(CACHE_DIR, `${name}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);
}

async function readCache(base: string): Promise<CachedEmbeddings | null> {
  if (!existsSync(`${base}.json`) || !existsSync(`${base}.f32`)) return null;
  const index = JSON.parse(await readFile(`${base}.json`, 'utf8')) as {
    model: CachedEmbeddings['model'];
    paths: string[];
    found: boolean[];
  };
  const raw = await readFile(`${base}.f32`);
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const dims = index.model.dimensions;
  const byPath = new Map<string, Float32Array | null>();
  index.paths.forEach((p, i) => {
    byPath.set(p, index.found[i] ? all.slice(i * dims, (i + 1) * dims) : null);
  });
  return { model: index.model, byPath };
}

/** Whether the cache holds lfw-dev's embeddings of the current model. */
export async function hasCachedLfwDevEmbeddings(): Promise<boolean> {
  const key = await expectedModelKey();
  if (key === null) return false;
  const base = cacheBase(key, LFW_DEV);
  return existsSync(`${base}.json`) && existsSync(`${base}.f32`);
}

/**
 * The cached embeddings of every lfw-dev photo (or of the first `people` people in name order) for the
 * current model, or null when none are cached.
 */
export async function cachedLfwDevEmbeddings(people?: number): Promise<CachedEmbeddings | null> {
  const key = await expectedModelKey();
  return key === null ? null : readCache(cacheBase(key, LFW_DEV, people));
}

/**
 * The embeddings of every photo of `root` (default lfw-dev; one folder per person) for the current model: read from the cache, or computed
 * with `threads` engine threads and cached (`refresh` recomputes).
 */
export async function lfwDevEmbeddings(
  options: {
    root?: string;
    /** Only the first `people` people in name order (the open-set protocol's order): a quicker, smaller cache. */
    people?: number;
    threads?: number;
    refresh?: boolean;
    log?: (line: string) => void;
  } = {},
): Promise<CachedEmbeddings> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const root = options.root ?? LFW_DEV;
  const key = await expectedModelKey();
  if (key !== null && !options.refresh) {
    const cached = await readCache(cacheBase(key, root, options.people));
    if (cached) {
      log(`embeddings: cached (${cached.byPath.size} photos, ${key})`);
      return cached;
    }
  }
  const everyone = await readPeopleFolders(root);
  const people =
    options.people === undefined
      ? everyone
      : [...everyone]
          .sort((a, b) => (a.person < b.person ? -1 : a.person > b.person ? 1 : 0))
          .slice(0, options.people);
  const paths = people.flatMap((p) => p.photos);
  const engine = await createFaceEngine({ threads: options.threads ?? 2 });
  try {
    const started = Date.now();
    let lastLog = 0;
    const { model, embeddings } = await embedCentreFaces({
      engine,
      paths,
      readImage: (p) => readFile(path.join(root, p)),
      onProgress: (done, total) => {
        if (Date.now() - lastLog < 30_000 && done < total) return;
        lastLog = Date.now();
        const rate = done / ((Date.now() - started) / 1000);
        log(`embeddings: ${done}/${total} photos (${rate.toFixed(1)}/s)`);
      },
    });
    const dims = model.dimensions;
    const flat = new Float32Array(paths.length * dims);
    embeddings.forEach((e, i) => {
      if (e) flat.set(e, i * dims);
    });
    const base = cacheBase(`${model.name}@${model.version}`, root, options.people);
    await mkdir(CACHE_DIR, { recursive: true });
    await writeFile(`${base}.f32.tmp`, new Uint8Array(flat.buffer));
    await rename(`${base}.f32.tmp`, `${base}.f32`);
    const index = {
      model: { name: model.name, version: model.version, dimensions: dims },
      paths,
      found: embeddings.map((e) => e !== null),
    };
    await writeFile(`${base}.json`, JSON.stringify(index));
    const byPath = new Map<string, Float32Array | null>();
    paths.forEach((p, i) => {
      byPath.set(p, embeddings[i] ?? null);
    });
    return { model: index.model, byPath };
  } finally {
    await engine.close();
  }
}

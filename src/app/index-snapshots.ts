import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FaceIndex } from '../ports/face-index.ts';

const META = 'meta.json';
const COMPLETE = /^snapshot-(\d{12})$/;
/** A `tmp-*` folder this old was abandoned by a killed process (a live write takes seconds). */
const ABANDONED_MS = 10 * 60_000;

export interface SnapshotMeta {
  /** The store's gallery version the index held when it was written. */
  galleryVersion: number;
  /** `name@version` of the model, and the adapter: a snapshot of another is never restored. */
  model: string;
  adapter: string;
}

/**
 * Face index snapshots in one folder, each written whole or not at all: into a fresh `tmp-*` folder,
 * then renamed to `snapshot-<sequence>` (a rename is atomic), so a process killed while writing leaves
 * the previous snapshot as the latest. Older snapshots are removed after each write, abandoned `tmp-*`
 * folders once they are old. A snapshot is only a head start: the store's changes since are applied after it.
 */
export class IndexSnapshots {
  constructor(readonly dir: string) {}

  async save(index: FaceIndex, meta: SnapshotMeta): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `tmp-${randomUUID()}`);
    await mkdir(tmp);
    try {
      await index.snapshot(tmp);
      await writeFile(path.join(tmp, META), JSON.stringify(meta));
      const sequence = ((await this.complete()).at(-1)?.sequence ?? 0) + 1;
      await rename(tmp, path.join(this.dir, `snapshot-${String(sequence).padStart(12, '0')}`));
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      throw error;
    }
    await this.prune();
  }

  /** Restores the latest snapshot that fits into `index`; its meta, or null when none does. */
  async restoreLatest(
    index: FaceIndex,
    expected: Omit<SnapshotMeta, 'galleryVersion'>,
  ): Promise<SnapshotMeta | null> {
    const latest = (await this.complete()).at(-1);
    if (!latest) return null;
    const meta = JSON.parse(await readFile(path.join(latest.dir, META), 'utf8')) as SnapshotMeta;
    if (meta.model !== expected.model || meta.adapter !== expected.adapter) return null;
    await index.restore(latest.dir);
    return meta;
  }

  private async complete(): Promise<{ sequence: number; dir: string }[]> {
    if (!existsSync(this.dir)) return [];
    return (await readdir(this.dir))
      .map((name) => ({ name, match: COMPLETE.exec(name) }))
      .filter((e) => e.match !== null && existsSync(path.join(this.dir, e.name, META)))
      .map((e) => ({ sequence: Number(e.match?.[1]), dir: path.join(this.dir, e.name) }))
      .sort((a, b) => a.sequence - b.sequence);
  }

  private async prune(): Promise<void> {
    const complete = await this.complete();
    for (const old of complete.slice(0, -1)) await rm(old.dir, { recursive: true, force: true });
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith('tmp-')) continue;
      const tmp = path.join(this.dir, name);
      const info = await stat(tmp).catch(() => null);
      if (info && Date.now() - info.mtimeMs > ABANDONED_MS) await rm(tmp, { recursive: true, force: true });
    }
  }
}

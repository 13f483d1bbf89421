import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LFW_DEV } from '../support/shared-faces.ts';

/**
 * A fixed subset of lfw-dev: every `step`-th photo of the sorted list of all of them, `count` photos
 * (spread over many people rather than the first few alphabetically).
 */
export function lfwSubset(count: number, step = 7): string[] {
  const all: string[] = [];
  for (const person of readdirSync(LFW_DEV, { withFileTypes: true }).filter((d) => d.isDirectory()))
    for (const file of readdirSync(path.join(LFW_DEV, person.name)).filter((f) => f.endsWith('.jpg')))
      all.push(path.join(LFW_DEV, person.name, file));
  all.sort();
  const out: string[] = [];
  for (let i = 0; out.length < count && i < all.length; i += step) out.push(all[i] as string);
  return out;
}

/** Writes a list file (absolute paths) for `faceflow average`. */
export async function writeList(file: string, photos: string[]): Promise<string> {
  await writeFile(file, `${photos.join('\n')}\n`);
  return file;
}

/** The parts of a result that must not depend on how it was computed (no job id, no timing). */
export function comparable(document: Record<string, unknown>) {
  const { jobId: _id, stats: _stats, options: _options, source: _source, ...rest } = document;
  return rest;
}

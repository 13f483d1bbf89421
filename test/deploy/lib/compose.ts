import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './render.ts';

/** The fields of a compose service the tests read. */
export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
}

/** compose.yaml with its YAML merge keys (`<<: *faceflow`) resolved, as `docker compose` reads it. */
export function readCompose(): { services: Record<string, ComposeService> } {
  return parse(readFileSync(resolve(repoRoot, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
}

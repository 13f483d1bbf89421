import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkFile,
  checkTree,
  describeViolation,
  findImports,
  LAYERS,
  layerOf,
  sourceFiles,
} from './import-boundaries.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const specifiers = (source: string) => findImports(source).map((i) => i.specifier);

describe('the layering of src/ (docs/architecture.md)', () => {
  it('every production file lies in a known layer and imports only what its layer may', () => {
    const files = sourceFiles(ROOT);
    expect(files.length).toBeGreaterThan(100);
    expect(checkTree(ROOT).map(describeViolation)).toEqual([]);
  });

  it('every folder under src/ is a layer the rules know', () => {
    const folders = new Set(sourceFiles(ROOT).map((f) => f.split(path.sep)[1]));
    for (const folder of folders) expect(LAYERS, folder).toContain(folder);
  });
});

describe('the import check', () => {
  it('fails on a forbidden import, naming the file, the line and the import', () => {
    const source =
      "import { z } from 'zod';\nimport { SqliteImageStore } from '../adapters/sqlite/image-store.sqlite.ts';\n";
    expect(checkFile('src/app/ingest.ts', source).map(describeViolation)).toEqual([
      "src/app/ingest.ts:1 imports 'zod': app imports no npm package (zod)",
      "src/app/ingest.ts:2 imports '../adapters/sqlite/image-store.sqlite.ts': app may not import adapters",
    ]);
  });

  /** [importing file, its source, the reasons expected] per rule. */
  const CASES: [string, string, string[]][] = [
    // core → anything outside core, and I/O
    [
      'src/core/gallery.ts',
      "import type { FaceIndex } from '../ports/face-index.ts';",
      ['core may not import ports'],
    ],
    [
      'src/core/x.ts',
      "import { readFile } from 'node:fs/promises';",
      ['core does no I/O (node:fs/promises)'],
    ],
    ['src/core/image-path.ts', "import path from 'node:path';", []],
    // ports → adapters and drivers
    [
      'src/ports/x.ts',
      "export type { Row } from '../adapters/sqlite/rows.ts';",
      ['ports may not import adapters'],
    ],
    ['src/ports/x.ts', "import type { Kysely } from 'kysely';", ['ports imports no npm package (kysely)']],
    // app → adapters (dynamic imports too) and drivers
    [
      'src/app/x.ts',
      "await import('../adapters/redis/rate-limit-redis.ts');",
      ['app may not import adapters'],
    ],
    [
      'src/app/average/x.ts',
      "import tarStream from 'tar-stream';",
      ['app imports no npm package (tar-stream)'],
    ],
    // http → drivers (the framework is its own)
    [
      'src/http/hardening/x.ts',
      "import { Redis } from 'ioredis';",
      ['http may not import the driver ioredis'],
    ],
    ['src/http/routes/x.ts', "import sharp from 'sharp';", ['http may not import the driver sharp']],
    ['src/http/x.ts', "import type { FastifyInstance } from 'fastify';", []],
    // the crossings issue 15 removed
    ['src/adapters/x/y.ts', "import { f } from '../../rpc/face-wire.ts';", ['adapters may not import rpc']],
    [
      'src/adapters/x/y.ts',
      "import { f } from '../../engine/decode/pnm.ts';",
      ['adapters may not import engine'],
    ],
    [
      'src/observability/m.ts',
      "import type { P } from '../app/observer.ts';",
      ['observability may not import app'],
    ],
    // test code is no layer of the product
    ['src/app/x.ts', "import { h } from '../../test/helpers/faces.ts';", ['app imports a file outside src/']],
    // the composition roots may import everything
    ['src/roles/x.ts', "import { Redis } from 'ioredis';\nimport '../adapters/a/b.ts';", []],
  ];

  it.each(CASES)('%s: %s', (file, source, reasons) => {
    expect(checkFile(file, source).map((v) => v.reason)).toEqual(reasons);
  });

  it('reads every form of import and nothing that only looks like one', () => {
    const source = [
      "import a from 'a';",
      "import type { B } from 'b';",
      'import {',
      '  c,',
      '  type D as E,',
      "} from 'c';",
      "import * as f from 'f';",
      "import 'side-effect';",
      "export { g } from 'g';",
      "export * from 'h';",
      "export type { I } from 'i';",
      "const j = await import('j');",
      "type K = typeof import('k');",
      "const l = require('l');",
      "// import x from 'in-a-comment';",
      "/* export * from 'in-a-block-comment'; */",
      'const s = "import y from \'in-a-string\'";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal
      "const t = `import z from 'in-a-template' ${await import('m')} more`;",
      "const r = /import w from 'in-a-regex'/;",
      'export const n = 1;',
      'export { n as o };',
      'const u = import.meta.url;',
    ].join('\n');
    expect(specifiers(source)).toEqual([
      'a',
      'b',
      'c',
      'f',
      'side-effect',
      'g',
      'h',
      'i',
      'j',
      'k',
      'l',
      'm',
    ]);
    expect(findImports(source).find((i) => i.specifier === 'c')?.line).toBe(6);
  });

  it('places a path in its layer by its first folder under src/', () => {
    expect(layerOf('adapters/sqlite/rows.ts')).toBe('adapters');
    expect(layerOf('../test/helpers/faces.ts')).toBeNull();
    expect(layerOf('somewhere/new.ts')).toBeNull();
    expect(checkFile('src/somewhere/new.ts', '').map((v) => v.reason)[0]).toMatch(/lies in no known layer/);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The layering of src/ as data, and the check that every import keeps to it (docs/architecture.md).
 * A file's layer is its first folder under src/. Tests (`*.test.ts`) are exempt: they may wire real
 * adapters into a use case, as a small composition root would. Generated code (src/gen) is exempt.
 */

export type Layer =
  | 'core'
  | 'ports'
  | 'app'
  | 'engine'
  | 'adapters'
  | 'wire'
  | 'gen'
  | 'http'
  | 'rpc'
  | 'observability'
  | 'config'
  | 'cli'
  | 'roles';

export const LAYERS: readonly Layer[] = [
  'core',
  'ports',
  'app',
  'engine',
  'adapters',
  'wire',
  'gen',
  'http',
  'rpc',
  'observability',
  'config',
  'cli',
  'roles',
];

/**
 * npm packages that talk to a database, a broker, a cache, the file formats of photos and archives, or
 * run the networks: only adapters, the engine and the composition roots may import them.
 */
export const DRIVER_PACKAGES: readonly (string | RegExp)[] = [
  'better-sqlite3',
  'pg',
  'kysely',
  'mysql2',
  'amqplib',
  /^@nats-io\//,
  'ioredis',
  'sharp',
  'onnxruntime-node',
  /^@tensorflow\//,
  '@vladmandic/face-api',
  'usearch',
  'tar-stream',
  'yauzl',
  'jose',
  'otpauth',
];

/** Node built-ins that reach outside the process or its memory: the core does no I/O. */
const NODE_IO =
  /^node:(fs|fs\/promises|net|http|http2|https|tls|dgram|dns|child_process|worker_threads|cluster)$/;

export interface LayerRule {
  /** The layers (its own included) whose files it may import. */
  mayImport: readonly Layer[];
  /** `none`: no npm package; `no-drivers`: none of DRIVER_PACKAGES; `any`. */
  packages: 'none' | 'no-drivers' | 'any';
  /** Node built-ins that do I/O are forbidden too. */
  noNodeIo?: boolean;
}

const ALL = LAYERS;

export const RULES: Readonly<Record<Layer, LayerRule>> = {
  core: { mayImport: ['core'], packages: 'none', noNodeIo: true },
  ports: { mayImport: ['core', 'ports'], packages: 'none', noNodeIo: true },
  app: { mayImport: ['core', 'ports', 'app'], packages: 'none' },
  config: { mayImport: ['core', 'config'], packages: 'no-drivers' },
  gen: { mayImport: ['gen'], packages: 'any' },
  wire: { mayImport: ['core', 'ports', 'gen', 'wire'], packages: 'no-drivers' },
  engine: { mayImport: ['core', 'ports', 'engine'], packages: 'any' },
  adapters: { mayImport: ['core', 'ports', 'config', 'wire', 'gen', 'adapters'], packages: 'any' },
  observability: { mayImport: ['core', 'ports', 'config', 'observability'], packages: 'no-drivers' },
  http: {
    mayImport: ['core', 'ports', 'app', 'config', 'observability', 'adapters', 'http'],
    packages: 'no-drivers',
  },
  rpc: { mayImport: ['core', 'ports', 'wire', 'gen', 'rpc'], packages: 'no-drivers' },
  cli: { mayImport: ALL, packages: 'any' },
  roles: { mayImport: ALL, packages: 'any' },
};

export interface ImportRef {
  specifier: string;
  line: number;
}

/**
 * Every module a TypeScript file names: `import … from`, `import '…'`, `export … from`, `import('…')`
 * (type positions included) and `require('…')`. Comments, strings, template literals and regular
 * expressions are skipped, so text that only looks like an import is not one.
 */
export function findImports(source: string): ImportRef[] {
  const tokens = tokenize(source);
  const found: ImportRef[] = [];
  const at = (i: number) => tokens[i];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== 'word') continue;
    const next = at(i + 1);
    const prev = at(i - 1);
    if (prev?.kind === 'punct' && prev.text === '.') continue; // a property: x.import, x.require
    if ((t.text === 'import' || t.text === 'require') && next?.text === '(') {
      const arg = at(i + 2);
      if (arg?.kind === 'string') found.push({ specifier: arg.text, line: arg.line });
      continue;
    }
    if (t.text === 'import' && next?.kind === 'string') {
      found.push({ specifier: next.text, line: next.line });
      continue;
    }
    if (t.text !== 'import' && t.text !== 'export') continue;
    if (t.text === 'import' && next?.text === '.') continue; // import.meta
    // `import x, { a as b } from '…'`, `export * as n from '…'`, `export type { T } from '…'`
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      const u = tokens[j] as Token;
      if (u.text === '{') depth++;
      else if (u.text === '}') depth--;
      else if (depth === 0 && u.kind === 'word' && u.text === 'from') {
        const spec = at(j + 1);
        if (spec?.kind === 'string') found.push({ specifier: spec.text, line: spec.line });
        break;
      } else if (u.kind === 'string' || (depth === 0 && !CLAUSE.has(u.text) && u.kind !== 'word')) break;
      else if (depth === 0 && u.kind === 'word' && STATEMENT_WORDS.has(u.text)) break;
    }
  }
  return found;
}

/** What may stand between `import`/`export` and `from` outside braces. */
const CLAUSE = new Set(['*', ',']);
/** Words that start an `export` that has no `from`: `export const x = …`, `export default …`. */
const STATEMENT_WORDS = new Set([
  'const',
  'let',
  'var',
  'function',
  'class',
  'interface',
  'enum',
  'default',
  'abstract',
  'declare',
  'async',
  'namespace',
]);

interface Token {
  kind: 'word' | 'string' | 'punct';
  text: string;
  line: number;
}

/** Words after which a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
]);

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  /** Brace depth at which each open template literal's `${` began. */
  const templates: number[] = [];
  let braces = 0;
  const regexAllowed = () => {
    const last = tokens[tokens.length - 1];
    if (!last) return true;
    if (last.kind === 'string') return false;
    if (last.kind === 'word') return BEFORE_REGEX.has(last.text);
    return !(last.text === ')' || last.text === ']' || last.text === '}');
  };
  const skipTemplate = (): void => {
    // from just after '`' (or after the `}` closing a substitution) to the closing '`' or a `${`
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '\n') line++;
      if (c === '`') {
        i++;
        tokens.push({ kind: 'punct', text: '`', line });
        return;
      }
      if (c === '$' && src[i + 1] === '{') {
        i += 2;
        templates.push(braces);
        braces++;
        tokens.push({ kind: 'punct', text: '${', line });
        return;
      }
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (let k = i; k < stop; k++) if (src[k] === '\n') line++;
      i = stop;
    } else if (c === "'" || c === '"') {
      const start = line;
      let text = '';
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') {
          text += src[i + 1] ?? '';
          i += 2;
        } else text += src[i++];
      }
      i++;
      tokens.push({ kind: 'string', text, line: start });
    } else if (c === '`') {
      i++;
      skipTemplate();
    } else if (c === '/' && regexAllowed()) {
      let inClass = false;
      i++;
      while (i < src.length && src[i] !== '\n') {
        const r = src[i];
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < src.length && /[a-z]/i.test(src[i] as string)) i++;
      tokens.push({ kind: 'punct', text: '/regex/', line });
    } else if (/[A-Za-z_$]/.test(c)) {
      const start = i;
      while (i < src.length && /[\w$]/.test(src[i] as string)) i++;
      tokens.push({ kind: 'word', text: src.slice(start, i), line });
    } else if (/[0-9]/.test(c)) {
      while (i < src.length && /[\w.]/.test(src[i] as string)) i++;
      tokens.push({ kind: 'word', text: '0', line });
    } else {
      i++;
      if (c === '{') braces++;
      if (c === '}') {
        braces--;
        if (templates.length > 0 && templates[templates.length - 1] === braces) {
          templates.pop();
          tokens.push({ kind: 'punct', text: '}', line });
          skipTemplate();
          continue;
        }
      }
      tokens.push({ kind: 'punct', text: c, line });
    }
  }
  return tokens;
}

export interface Violation {
  /** The importing file, relative to the repository root. */
  file: string;
  line: number;
  specifier: string;
  reason: string;
}

/** The npm package a bare specifier names (`@scope/name` or `name`), without any subpath. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

function isDriver(pkg: string): boolean {
  return DRIVER_PACKAGES.some((d) => (typeof d === 'string' ? d === pkg : d.test(`${pkg}/`)));
}

/** The layer of a path relative to src/ (`app/ingest.ts` → app), or null for anything outside src/. */
export function layerOf(relativeToSrc: string): Layer | null {
  if (relativeToSrc.startsWith('..') || path.isAbsolute(relativeToSrc)) return null;
  const first = relativeToSrc.split(/[\\/]/)[0] as string;
  return (LAYERS as readonly string[]).includes(first) ? (first as Layer) : null;
}

/**
 * The forbidden imports of one file. `file` is relative to the repository root (`src/app/ingest.ts`),
 * `srcDir` is the folder the layers live in, relative to the same root.
 */
export function checkFile(file: string, source: string, srcDir = 'src'): Violation[] {
  const fromSrc = path.relative(srcDir, file);
  const layer = layerOf(fromSrc);
  if (layer === null) {
    return [
      { file, line: 1, specifier: '', reason: `${fromSrc} lies in no known layer (${LAYERS.join(', ')})` },
    ];
  }
  const rule = RULES[layer];
  const out: Violation[] = [];
  for (const { specifier, line } of findImports(source)) {
    const reason = forbidden(layer, rule, file, specifier, srcDir);
    if (reason) out.push({ file, line, specifier, reason });
  }
  return out;
}

function forbidden(
  layer: Layer,
  rule: LayerRule,
  file: string,
  specifier: string,
  srcDir: string,
): string | null {
  if (specifier.startsWith('.')) {
    const target = path.relative(srcDir, path.join(path.dirname(file), specifier));
    const to = layerOf(target);
    if (to === null) return `${layer} imports ${target.startsWith('..') ? 'a file outside src/' : target}`;
    return rule.mayImport.includes(to) ? null : `${layer} may not import ${to}`;
  }
  if (specifier.startsWith('node:')) {
    return rule.noNodeIo && NODE_IO.test(specifier) ? `${layer} does no I/O (${specifier})` : null;
  }
  const pkg = packageOf(specifier);
  if (rule.packages === 'none') return `${layer} imports no npm package (${pkg})`;
  if (rule.packages === 'no-drivers' && isDriver(pkg)) return `${layer} may not import the driver ${pkg}`;
  return null;
}

/** Every production .ts file under `dir` (tests and generated code left out), relative to `root`. */
export function sourceFiles(root: string, dir = 'src'): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (child !== path.join(dir, 'gen')) walk(child);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** Checks every production file of the repository at `root`. */
export function checkTree(root: string, dir = 'src'): Violation[] {
  return sourceFiles(root, dir).flatMap((file) =>
    checkFile(file, readFileSync(path.join(root, file), 'utf8'), dir),
  );
}

export function describeViolation(v: Violation): string {
  return `${v.file}:${v.line} imports '${v.specifier}': ${v.reason}`;
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { roleEnvKeys } from '../../src/config/roles.config.ts';
import { readCompose } from './lib/compose.ts';
import { overlays, renderOverlay, repoRoot } from './lib/render.ts';
import { cliCommands, DEPLOYED_ROLES, keysForRole, ROLES_COMING_WITH_ISSUE_5 } from './lib/roles.ts';
import { type Container, containerEnv, FACEFLOW_IMAGE, isFaceflow, workloads } from './lib/workloads.ts';

let cli: Set<string>;
beforeAll(async () => {
  cli = await cliCommands();
});

/** Every faceflow container of the rendered overlays (the role is its first argument). */
const manifestContainers = overlays.flatMap((overlay) => {
  const objects = renderOverlay(overlay);
  return workloads(objects)
    .flatMap((w) =>
      w.pod.containers.map((c) => ({ c, id: `${overlay}: ${w.object.kind}/${w.object.metadata.name}` })),
    )
    .filter(({ c }) => isFaceflow(c))
    .map(({ c, id }) => ({ id, role: c.args?.[0] as string, env: containerEnv(c, objects), container: c }));
});

const compose = readCompose();
const composeFaceflow = Object.entries(compose.services).filter(
  ([, s]) => s.image?.split(':')[0] === FACEFLOW_IMAGE,
);

/** Dockerfile instructions (continuation lines joined), in order. */
const dockerfile = readFileSync(resolve(repoRoot, 'Dockerfile'), 'utf8')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => {
    const [instruction = '', ...rest] = l.split(/\s+/);
    return { instruction: instruction.toUpperCase(), args: rest.join(' ') };
  });
const dockerArgs = (instruction: string) =>
  dockerfile.filter((d) => d.instruction === instruction).map((d) => d.args);

describe('roles: the Dockerfile, the manifests and compose name roles the CLI has', () => {
  it('the CLI has every deployed role, except those still coming with issue 5', () => {
    const missing = DEPLOYED_ROLES.filter((r) => !cli.has(r));
    expect(missing).toEqual(ROLES_COMING_WITH_ISSUE_5.filter((r) => !cli.has(r)));
  });

  it('no role listed as coming with issue 5 exists yet (remove it from the list once the CLI has it)', () => {
    expect(ROLES_COMING_WITH_ISSUE_5.filter((r) => cli.has(r))).toEqual([]);
  });

  it('the manifests run each deployed role, and only those', () => {
    const roles = new Set(manifestContainers.map((m) => m.role));
    expect([...roles].sort()).toEqual([...DEPLOYED_ROLES].sort());
  });

  it('compose runs api, worker (2 replicas), recognizer, search, redeemer and migrate, all deployed roles', () => {
    const roles = composeFaceflow.map(([, s]) => s.command?.[0] as string);
    expect(roles.sort()).toEqual([...DEPLOYED_ROLES].sort());
    expect((compose.services.worker as { deploy?: { replicas?: number } }).deploy?.replicas).toBe(2);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'rabbitmq']));
  });

  it('the Dockerfile starts faceflow with a role the CLI has as its default argument', () => {
    expect(dockerArgs('ENTRYPOINT')).toEqual(['["node", "/app/bin/faceflow.js"]']);
    const cmd = JSON.parse(dockerArgs('CMD').at(-1) as string) as string[];
    expect(cli.has(cmd[0] as string)).toBe(true);
  });
});

describe('the Dockerfile', () => {
  it('builds in stages on the current Node LTS (node:24, Debian bookworm slim), within package.json engines', () => {
    const from = dockerArgs('FROM');
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const f of from) expect(f).toMatch(/^node:24-bookworm-slim AS \w+$/);
    const engines = (
      JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as {
        engines: { node: string };
      }
    ).engines.node;
    expect(engines).toMatch(/>=24\.0\.0/);
  });

  it('installs production dependencies only, from the lockfile', () => {
    const runs = dockerArgs('RUN').join('\n');
    expect(runs).toMatch(/npm ci --omit=dev/);
    expect(runs).not.toMatch(/npm (install|i)\b/);
    // .npmrc tells onnxruntime-node's install script not to download (its CPU binaries ship in the package).
    expect(dockerArgs('COPY')).toContain('package.json package-lock.json .npmrc ./');
  });

  it('runs as a numeric non-root user in the final stage, with a HEALTHCHECK', () => {
    const lastFrom = dockerfile.map((d) => d.instruction).lastIndexOf('FROM');
    const final = dockerfile.slice(lastFrom);
    const user = final.filter((d) => d.instruction === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(final.find((d) => d.instruction === 'HEALTHCHECK')?.args).toMatch(/\/healthz/);
  });

  it('keeps the build context small and secret-free (.dockerignore)', () => {
    const ignored = readFileSync(resolve(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '.git', 'data', '.env']) expect(ignored).toContain(entry);
  });
});

describe('env keys: everything the manifests, compose and the Dockerfile set is read by a config schema', () => {
  const check = (role: string, keys: Iterable<string>) => [...keys].filter((k) => !keysForRole(role).has(k));

  it('the roles with a schema export their keys', () => {
    expect(Object.keys(roleEnvKeys).sort()).toEqual([
      'all',
      'api',
      'migrate',
      'recognizer',
      'redeemer',
      'search',
      'worker',
    ]);
  });

  it.each(manifestContainers)('$id ($role)', ({ role, env }) => {
    expect(env.size).toBeGreaterThan(0);
    expect(check(role, env.keys())).toEqual([]);
  });

  it.each(composeFaceflow)('compose service %s', (_name, service) => {
    const role = service.command?.[0] as string;
    expect(check(role, Object.keys(service.environment ?? {}))).toEqual([]);
  });

  it("the Dockerfile's ENV (read by the default role)", () => {
    const cmd = JSON.parse(dockerArgs('CMD').at(-1) as string) as string[];
    const keys = dockerArgs('ENV').flatMap((args) =>
      [...args.matchAll(/(\w+)=/g)].map((m) => m[1] as string),
    );
    expect(keys.length).toBeGreaterThan(0);
    expect(check(cmd[0] as string, keys)).toEqual([]);
  });

  it("KEDA reads the broker URL from the workers' own Secret key", () => {
    const auth = renderOverlay('dev').find((o) => o.kind === 'TriggerAuthentication');
    if (!auth) throw new Error('no TriggerAuthentication rendered');
    const refs = (auth.spec as { secretTargetRef: { name: string; key: string }[] }).secretTargetRef;
    for (const ref of refs) {
      expect(ref.name).toBe('faceflow-secrets');
      expect(keysForRole('worker').has(ref.key)).toBe(true);
    }
  });

  it('manifests and compose give each role the same settings', () => {
    const dev = manifestContainers.filter((m) => m.id.startsWith('dev:'));
    for (const [name, service] of composeFaceflow) {
      const role = service.command?.[0] as string;
      const manifest = dev.find((m) => m.role === role) as {
        env: Map<string, string | undefined>;
        container: Container;
      };
      for (const key of ['ENGINE_THREADS', 'DATA_DIR', 'LOG_LEVEL', 'PORT', 'HOST']) {
        const value = service.environment?.[key];
        if (value !== undefined) expect(value, `${name} ${key}`).toBe(manifest.env.get(key));
      }
    }
  });
});

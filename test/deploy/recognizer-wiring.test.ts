/** api and worker call the recognizer and the search role, each with its own shared secret. */
import { describe, expect, it } from 'vitest';
import { recognizerConfigSchema, searchConfigSchema } from '../../src/config/roles.config.ts';
import { overlays, renderOverlay } from './lib/render.ts';
import {
  type Container,
  faceflowContainer as container,
  secretKeyRefOf,
  secretValue,
} from './lib/workloads.ts';

const envEntry = (c: Container, name: string) => c.env?.find((e) => e.name === name);
const secretRefOf = (c: Container) => secretKeyRefOf(c, 'RECOGNIZER_SECRET');
const searchSecretRefOf = (c: Container) => secretKeyRefOf(c, 'SEARCH_SECRET');

describe.each(overlays)('%s: api and worker call the recognizer with the shared secret', (overlay) => {
  const objects = renderOverlay(overlay);
  const recognizer = container(objects, 'recognizer');

  it('the recognizer reads RECOGNIZER_SECRET from a Secret of its own (no database or broker credentials)', () => {
    const ref = secretRefOf(recognizer);
    expect(ref?.key).toBe('RECOGNIZER_SECRET');
    expect(ref?.name).toMatch(/^faceflow-recognizer-secret/);
    expect(recognizer.envFrom?.some((s) => s.secretRef)).toBeFalsy();
  });

  it.each(['api', 'worker'])(
    '%s: RECOGNIZER_URL is the headless Service, the secret the same Secret key',
    (role) => {
      const c = container(objects, role);
      const url = new URL(envEntry(c, 'RECOGNIZER_URL')?.value as string);
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === url.hostname);
      const spec = service?.spec as
        | { clusterIP?: string; ports: { name: string; port: number }[] }
        | undefined;
      expect(spec?.clusterIP, 'one address per pod, so callers can balance').toBe('None');
      expect(spec?.ports.find((p) => p.name === 'grpc')?.port).toBe(Number(url.port));
      expect(secretRefOf(c)).toEqual(secretRefOf(recognizer));
    },
  );

  it('a Secret rendered with the overlay holds a secret the recognizer accepts', () => {
    const ref = secretRefOf(recognizer) as { name: string; key: string };
    const value = secretValue(objects, ref);
    // prod: created outside git (docs/deploy.md); dev: generated with a throwaway value.
    if (overlay === 'prod') return expect(value).toBeUndefined();
    expect(recognizerConfigSchema.safeParse({ RECOGNIZER_SECRET: value }).success).toBe(true);
  });
});

describe.each(overlays)('%s: api and worker look faces up in the search role', (overlay) => {
  const objects = renderOverlay(overlay);
  const search = container(objects, 'search');

  it('the search role reads the database URL and SEARCH_SECRET, no broker credentials', () => {
    expect(searchSecretRefOf(search)).toMatchObject({ key: 'SEARCH_SECRET' });
    expect(searchSecretRefOf(search)?.name).toMatch(/^faceflow-search-secret/);
    expect(secretKeyRefOf(search, 'DATABASE_URL')?.key).toBe('DATABASE_URL');
    expect(search.envFrom?.some((s) => s.secretRef)).toBeFalsy();
    expect(envEntry(search, 'QUEUE_URL')).toBeUndefined();
  });

  it.each(['api', 'worker'])(
    '%s: SEARCH_URL is the search Service, the secret the same Secret key',
    (role) => {
      const c = container(objects, role);
      const url = new URL(envEntry(c, 'SEARCH_URL')?.value as string);
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === url.hostname);
      const ports = (service?.spec as { ports: { name: string; port: number }[] } | undefined)?.ports;
      expect(ports?.find((p) => p.name === 'grpc')?.port).toBe(Number(url.port));
      expect(searchSecretRefOf(c)).toEqual(searchSecretRefOf(search));
    },
  );

  it('a Secret rendered with the overlay holds a secret the search role accepts', () => {
    const ref = searchSecretRefOf(search) as { name: string; key: string };
    const value = secretValue(objects, ref);
    // prod: created outside git (docs/deploy.md); dev: generated with a throwaway value.
    if (overlay === 'prod') return expect(value).toBeUndefined();
    expect(searchConfigSchema.safeParse({ SEARCH_SECRET: value }).success).toBe(true);
  });
});

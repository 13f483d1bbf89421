import { describe, expect, it } from 'vitest';
import { recognizerConfigSchema } from '../../src/config/roles.config.ts';
import { type K8sObject, overlays, renderOverlay } from './lib/render.ts';
import { type Container, isFaceflow, workloads } from './lib/workloads.ts';

interface SecretRef {
  secretKeyRef?: { name: string; key: string };
}

function container(objects: K8sObject[], role: string): Container {
  const found = workloads(objects)
    .flatMap((w) => w.pod.containers)
    .find((c) => isFaceflow(c) && c.args?.[0] === role);
  if (!found) throw new Error(`no ${role} container rendered`);
  return found;
}

const envEntry = (c: Container, name: string) => c.env?.find((e) => e.name === name);
const secretRefOf = (c: Container) =>
  (envEntry(c, 'RECOGNIZER_SECRET')?.valueFrom as SecretRef)?.secretKeyRef;

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
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
    // prod: created outside git (docs/deploy.md); dev: generated with a throwaway value.
    if (overlay === 'prod') return expect(secret).toBeUndefined();
    const value = Buffer.from(
      (secret?.data as Record<string, string>)[ref.key] as string,
      'base64',
    ).toString();
    expect(recognizerConfigSchema.safeParse({ RECOGNIZER_SECRET: value }).success).toBe(true);
  });
});

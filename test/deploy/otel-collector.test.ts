import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roleEnvKeys } from '../../src/config/roles.config.ts';
import { allowed, type Endpoint, networkPolicies, workloadEndpoints } from './lib/network-policy.ts';
import { k8sDir, kustomize, one } from './lib/render.ts';
import { containerEnv, isFaceflow, workloads } from './lib/workloads.ts';

/** The dev overlay with the optional tracing component added, as an operator would add it. */
function renderWithCollector(): K8sObjects {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-otel-kustomize-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'namespace: faceflow',
      'resources:',
      `  - ${relative(dir, resolve(k8sDir, 'overlays/dev'))}`,
      'components:',
      `  - ${relative(dir, resolve(k8sDir, 'components/otel-collector'))}`,
      '',
    ].join('\n'),
  );
  return kustomize(dir);
}
type K8sObjects = ReturnType<typeof kustomize>;
const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const done of cleanup) done();
});

const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });

describe('the otel-collector component (tracing, optional)', () => {
  const objects = renderWithCollector();
  const all = workloads(objects);
  const collector = all.find((w) => w.object.metadata.name === 'faceflow-otel-collector');
  const service = one(objects, 'Service', 'faceflow-otel-collector') as unknown as {
    spec: { ports: { port: number; targetPort: string }[] };
  };

  it('runs the collector like every other pod: pinned image, probes, limits, non-root, read-only', () => {
    if (!collector) throw new Error('no collector rendered');
    const pod = collector.pod;
    const c = pod.containers[0];
    if (!c) throw new Error('no collector container');
    expect(c.image).toMatch(/^otel\/opentelemetry-collector:\d+\.\d+\.\d+$/);
    expect(c.startupProbe && c.livenessProbe && c.readinessProbe).toBeTruthy();
    expect(c.resources?.limits?.memory).toBeDefined();
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(service.spec.ports).toEqual([expect.objectContaining({ port: 4318, targetPort: 'otlp-http' })]);
  });

  it('points api, worker, recognizer and redeemer at its OTLP/HTTP port, with keys their config reads; migrate stays untraced', () => {
    const traced = new Map<string, string | undefined>();
    for (const w of all)
      for (const c of w.pod.containers.filter(isFaceflow)) {
        const role = c.args?.[0] as keyof typeof roleEnvKeys;
        const env = containerEnv(c, objects);
        traced.set(role, env.get('OTEL_EXPORTER_OTLP_ENDPOINT'));
        for (const key of [...env.keys()].filter((k) => k.startsWith('OTEL_')))
          expect(roleEnvKeys[role], `${role} reads ${key}`).toContain(key);
      }
    for (const role of ['api', 'worker', 'recognizer', 'redeemer'])
      expect(traced.get(role), role).toBe('http://faceflow-otel-collector:4318');
    expect(traced.get('migrate')).toBeUndefined();
  });

  it('lets exactly the tracing roles reach the collector, and the collector not the internet', () => {
    const policies = networkPolicies(objects);
    const endpoints: Endpoint[] = [
      ...workloadEndpoints(objects, nsLabels),
      {
        name: 'stranger-in-namespace',
        namespace: 'faceflow',
        namespaceLabels: nsLabels('faceflow'),
        labels: { app: 'debug-shell' },
        ports: [],
      },
      { name: 'internet', ip: '93.184.216.34', ports: [{ port: 443, protocol: 'TCP' }] },
    ];
    const target = endpoints.find((e) => e.name === 'faceflow-otel-collector') as Endpoint;
    const otlp = { port: 4318, protocol: 'TCP' as const, name: 'otlp-http' };
    const callers = endpoints
      .filter((e) => e !== target && allowed(policies, e, target, otlp))
      .map((e) => e.name);
    expect(callers.sort()).toEqual([
      'faceflow-api',
      'faceflow-recognizer',
      'faceflow-redeemer',
      'faceflow-worker',
    ]);
    const internet = endpoints.find((e) => e.name === 'internet') as Endpoint;
    expect(allowed(policies, target, internet, { port: 443, protocol: 'TCP' })).toBe(false);
  });
});

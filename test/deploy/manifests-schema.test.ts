import { describe, expect, it } from 'vitest';
import { validateObject } from './lib/k8s-schema.ts';
import { type K8sObject, overlays, renderOverlay } from './lib/render.ts';

describe.each(overlays)('overlay %s, rendered with kubectl kustomize', (overlay) => {
  const objects = renderOverlay(overlay);

  it('renders the roles of a release', () => {
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const expected of [
      'Deployment/faceflow-api',
      'Deployment/faceflow-worker',
      'Deployment/faceflow-recognizer',
      'Deployment/faceflow-search',
      'CronJob/faceflow-redeemer',
      'Job/faceflow-migrate',
      'ScaledObject/faceflow-worker',
      'PersistentVolumeClaim/faceflow-blobs',
    ])
      expect(names).toContain(expected);
  });

  it('every object validates strictly against its schema (Kubernetes OpenAPI or CRD)', async () => {
    const problems = (await Promise.all(objects.map(validateObject))).flat();
    expect(problems).toEqual([]);
  });
});

describe('strict validation catches what kubernetes-models alone accepts', () => {
  const deployment = () =>
    structuredClone(renderOverlay('dev').find((o) => o.kind === 'Deployment') as K8sObject) as K8sObject & {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
  const container = (d: ReturnType<typeof deployment>) =>
    d.spec.template.spec.containers[0] as Record<string, unknown>;

  it('accepts the unmodified object', async () => {
    expect(await validateObject(deployment())).toEqual([]);
  });

  it('rejects a misspelled imagePullPolicy', async () => {
    const d = deployment();
    const c = container(d);
    c.imagePullPolcy = c.imagePullPolicy;
    delete c.imagePullPolicy;
    expect((await validateObject(d)).join('\n')).toMatch(/containers\/0\/imagePullPolcy: unknown field/);
  });

  it('rejects a misspelled resources.limits', async () => {
    const d = deployment();
    const resources = container(d).resources as Record<string, unknown>;
    resources.limts = resources.limits;
    delete resources.limits;
    expect((await validateObject(d)).join('\n')).toMatch(/resources\/limts: unknown field/);
  });

  it('rejects a wrong enum value and a missing required field', async () => {
    const d = deployment();
    container(d).imagePullPolicy = 'Sometimes';
    delete container(d).name;
    const problems = (await validateObject(d)).join('\n');
    expect(problems).toMatch(/imagePullPolicy must be equal to one of the allowed values/);
    expect(problems).toMatch(/must have required property '?name'?/);
  });

  it('rejects an unknown field in a CRD (KEDA ScaledObject, ServiceMonitor)', async () => {
    const objects = renderOverlay('dev');
    const scaled = structuredClone(objects.find((o) => o.kind === 'ScaledObject')) as K8sObject & {
      spec: Record<string, unknown>;
    };
    scaled.spec.maxReplicas = 3;
    expect((await validateObject(scaled)).join('\n')).toMatch(/additional properties 'maxReplicas'/);
    const monitor = structuredClone(objects.find((o) => o.kind === 'ServiceMonitor')) as K8sObject & {
      spec: { endpoints: Record<string, unknown>[] };
    };
    (monitor.spec.endpoints[0] as Record<string, unknown>).intervall = '30s';
    expect((await validateObject(monitor)).join('\n')).toMatch(/additional properties 'intervall'/);
  });

  it('rejects a kind it has no schema for instead of skipping it', async () => {
    const unknown: K8sObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(await validateObject(unknown)).toEqual(['Widget/w: no schema for example.com/v1 Widget']);
  });
});

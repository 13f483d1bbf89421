import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const k8sDir = resolve(repoRoot, 'deploy/k8s');
export const overlays = ['dev', 'dev-mariadb', 'prod'] as const;

/** A rendered Kubernetes object (the fields every object has; the rest is checked by the schemas). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Parses a multi-document YAML stream, failing on any YAML error. */
export function parseYamlStream(text: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
    return doc.toJS() as unknown;
  });
}

/** Renders a kustomization directory with the real kustomize built into kubectl. */
export function kustomize(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  return parseYamlStream(out).filter((d): d is K8sObject => d !== null) as K8sObject[];
}

const rendered = new Map<string, K8sObject[]>();

/** Renders an overlay (once per test file); each call returns a fresh copy the caller may change. */
export function renderOverlay(name: (typeof overlays)[number]): K8sObject[] {
  let objects = rendered.get(name);
  if (!objects) {
    objects = kustomize(resolve(k8sDir, 'overlays', name));
    rendered.set(name, objects);
  }
  return structuredClone(objects);
}

/** The rendered object of that kind and name; fails when the overlay does not render it. */
export function one(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not rendered`);
  return found;
}

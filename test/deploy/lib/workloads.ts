import type { K8sObject } from './render.ts';

export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  ports?: { name?: string; containerPort: number }[];
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  affinity?: { podAntiAffinity?: unknown };
}

export interface Workload {
  object: K8sObject;
  pod: PodSpec;
  /** Runs to completion (Job, CronJob) rather than serving. */
  batch: boolean;
  activeDeadlineSeconds?: number;
}

export function workloads(objects: K8sObject[]): Workload[] {
  const result: Workload[] = [];
  for (const object of objects) {
    const spec = object.spec as Record<string, unknown> | undefined;
    if (!spec) continue;
    if (['Deployment', 'StatefulSet', 'DaemonSet'].includes(object.kind)) {
      result.push({ object, pod: (spec.template as { spec: PodSpec }).spec, batch: false });
    } else if (object.kind === 'Job') {
      const job = spec as { template: { spec: PodSpec }; activeDeadlineSeconds?: number };
      result.push({
        object,
        pod: job.template.spec,
        batch: true,
        activeDeadlineSeconds: job.activeDeadlineSeconds,
      });
    } else if (object.kind === 'CronJob') {
      const job = (
        spec.jobTemplate as { spec: { template: { spec: PodSpec }; activeDeadlineSeconds?: number } }
      ).spec;
      result.push({
        object,
        pod: job.template.spec,
        batch: true,
        activeDeadlineSeconds: job.activeDeadlineSeconds,
      });
    }
  }
  return result;
}

export const FACEFLOW_IMAGE = 'ghcr.io/faceflow/faceflow';
export const isFaceflow = (c: Container) => c.image.split(':')[0] === FACEFLOW_IMAGE;

/** The faceflow container that runs `role` (its first argument); fails when none is rendered. */
export function faceflowContainer(objects: K8sObject[], role: string): Container {
  const found = workloads(objects)
    .flatMap((w) => w.pod.containers)
    .find((c) => isFaceflow(c) && c.args?.[0] === role);
  if (!found) throw new Error(`no ${role} container rendered`);
  return found;
}

/** The Secret key an env entry of `container` is read from, if it is read from one. */
export function secretKeyRefOf(
  container: Container,
  name: string,
): { name: string; key: string } | undefined {
  const entry = container.env?.find((e) => e.name === name);
  return (entry?.valueFrom as { secretKeyRef?: { name: string; key: string } } | undefined)?.secretKeyRef;
}

/** The value of a Secret key rendered with the overlay; undefined when the Secret or key is not rendered. */
export function secretValue(objects: K8sObject[], ref: { name: string; key: string }): string | undefined {
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
  const data = secret?.data as Record<string, string> | undefined;
  const value = data?.[ref.key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

const OUTSIDE_GIT = 'created outside git>';

/** True for containerEnv's stand-in of a value from a Secret that the overlay does not render (prod). */
export const isCreatedOutsideGit = (value: string | undefined) => value?.endsWith(OUTSIDE_GIT) === true;

/** The env a container gets: its ConfigMaps and Secrets (by name, as rendered) and its own env. */
export function containerEnv(container: Container, objects: K8sObject[]): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const map = find('ConfigMap', source.configMapRef.name);
      if (!map) throw new Error(`${container.name}: ConfigMap ${source.configMapRef.name} is not rendered`);
      for (const [k, v] of Object.entries((map.data ?? {}) as Record<string, string>)) env.set(k, v);
    }
    if (source.secretRef) {
      const secret = find('Secret', source.secretRef.name);
      for (const [k, v] of Object.entries((secret?.data ?? {}) as Record<string, string>))
        env.set(k, Buffer.from(v, 'base64').toString('utf8'));
    }
  }
  for (const e of container.env ?? []) {
    const ref = (e.valueFrom as { secretKeyRef?: { name: string; key: string } } | undefined)?.secretKeyRef;
    if (!ref) {
      env.set(e.name, e.value);
      continue;
    }
    // A Secret rendered with the overlay gives its value; one created outside git (prod) a stand-in.
    env.set(e.name, secretValue(objects, ref) ?? `<${ref.name}/${ref.key}, ${OUTSIDE_GIT}`);
  }
  return env;
}

/** Kubernetes quantities to numbers: CPU in cores, memory in bytes. */
export function cpuCores(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}
export function bytes(q: string): number {
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 };
  const m = /^(\d+(?:\.\d+)?)([KMG]i?)?$/.exec(q);
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  return Number(m[1]) * (m[2] ? (units[m[2]] as number) : 1);
}

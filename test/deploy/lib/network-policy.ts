// Evaluates Kubernetes NetworkPolicies the way the API defines them (networking.k8s.io/v1): a
// connection is allowed when the source may send it (no policy selects the source for Egress, or one
// of those policies has an egress rule matching the destination and port) and the destination may
// receive it (the same for Ingress). Peers: podSelector (the policy's namespace), namespaceSelector
// (+ podSelector), ipBlock (addresses outside the cluster). Ports: number, name, protocol, endPort.
import type { K8sObject } from './render.ts';

export type Labels = Record<string, string>;

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

export interface Port {
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  name?: string;
}

/** A pod (namespace + labels) or an address outside the cluster (ip), with the ports it listens on. */
export interface Endpoint {
  name: string;
  namespace?: string;
  namespaceLabels?: Labels;
  labels?: Labels;
  ip?: string;
  ports: Port[];
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: Port['protocol'];
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}
export interface NetworkPolicy {
  namespace: string;
  podSelector: LabelSelector;
  policyTypes: ('Ingress' | 'Egress')[];
  ingress: PolicyRule[];
  egress: PolicyRule[];
}

export function selectorMatches(selector: LabelSelector, labels: Labels = {}): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(value as string)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(value as string)
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base) / size) * size;
  const n = ipToInt(ip);
  return n >= start && n < start + size;
}

function peerMatches(peer: PolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock) {
    const ip = endpoint.ip;
    return (
      ip !== undefined &&
      inCidr(ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((c) => inCidr(ip, c))
    );
  }
  if (endpoint.ip !== undefined) return false; // pod selectors never match addresses outside the cluster
  if (peer.namespaceSelector && !selectorMatches(peer.namespaceSelector, endpoint.namespaceLabels))
    return false;
  if (!peer.namespaceSelector && endpoint.namespace !== policyNamespace) return false;
  return peer.podSelector ? selectorMatches(peer.podSelector, endpoint.labels) : true;
}

function portMatches(rulePorts: PolicyPort[] | undefined, port: Port): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => {
    if ((p.protocol ?? 'TCP') !== port.protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') return p.port === port.name;
    return p.endPort === undefined ? p.port === port.port : port.port >= p.port && port.port <= p.endPort;
  });
}

function selects(policy: NetworkPolicy, endpoint: Endpoint): boolean {
  return (
    endpoint.ip === undefined &&
    endpoint.namespace === policy.namespace &&
    selectorMatches(policy.podSelector, endpoint.labels)
  );
}

function side(
  policies: NetworkPolicy[],
  direction: 'Ingress' | 'Egress',
  self: Endpoint,
  other: Endpoint,
  port: Port,
): boolean {
  const applying = policies.filter((p) => p.policyTypes.includes(direction) && selects(p, self));
  if (applying.length === 0) return true;
  return applying.some((policy) =>
    (direction === 'Ingress' ? policy.ingress : policy.egress).some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk =
        !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, policy.namespace, other));
      return peerOk && portMatches(rule.ports, port);
    }),
  );
}

/** May `source` open a connection to `port` of `destination`? */
export function allowed(
  policies: NetworkPolicy[],
  source: Endpoint,
  destination: Endpoint,
  port: Port,
): boolean {
  return (
    side(policies, 'Egress', source, destination, port) &&
    side(policies, 'Ingress', destination, source, port)
  );
}

/** The NetworkPolicies of a rendered overlay, with the API's defaults applied. */
export function networkPolicies(objects: K8sObject[]): NetworkPolicy[] {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => {
      const spec = o.spec as {
        podSelector: LabelSelector;
        policyTypes?: NetworkPolicy['policyTypes'];
        ingress?: PolicyRule[];
        egress?: PolicyRule[];
      };
      const policyTypes = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
      return {
        namespace: o.metadata.namespace ?? 'default',
        podSelector: spec.podSelector,
        policyTypes,
        ingress: spec.ingress ?? [],
        egress: spec.egress ?? [],
      };
    });
}

interface PodTemplate {
  metadata?: { labels?: Labels };
  spec: { containers: { ports?: { name?: string; containerPort: number; protocol?: Port['protocol'] }[] }[] };
}

/** One endpoint per workload of a rendered overlay: its pod template's labels and container ports. */
export function workloadEndpoints(objects: K8sObject[], namespaceLabels: (ns: string) => Labels): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const o of objects) {
    const spec = o.spec as
      | { template?: PodTemplate; jobTemplate?: { spec: { template: PodTemplate } } }
      | undefined;
    const template = o.kind === 'CronJob' ? spec?.jobTemplate?.spec.template : spec?.template;
    if (!template || !['Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet'].includes(o.kind)) continue;
    const namespace = o.metadata.namespace ?? 'default';
    endpoints.push({
      name: o.metadata.name,
      namespace,
      namespaceLabels: namespaceLabels(namespace),
      labels: template.metadata?.labels ?? {},
      ports: template.spec.containers.flatMap((c) =>
        (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP', name: p.name })),
      ),
    });
  }
  return endpoints;
}

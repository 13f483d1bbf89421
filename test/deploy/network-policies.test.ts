import { describe, expect, it } from 'vitest';
import {
  allowed,
  type Endpoint,
  inCidr,
  type NetworkPolicy,
  networkPolicies,
  selectorMatches,
  workloadEndpoints,
} from './lib/network-policy.ts';
import { overlays, renderOverlay } from './lib/render.ts';

const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });
const pod = (
  name: string,
  namespace: string,
  labels: Record<string, string>,
  ports: Endpoint['ports'] = [],
) => ({
  name,
  namespace,
  namespaceLabels: nsLabels(namespace),
  labels,
  ports,
});

/** Who else is on the cluster (and outside it): the parties the allow-matrix names, and strangers. */
const outsiders: Endpoint[] = [
  pod('ingress-controller', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [
    { port: 443, protocol: 'TCP', name: 'https' },
  ]),
  pod('prometheus', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' }, [
    { port: 9090, protocol: 'TCP' },
  ]),
  pod('keda-operator', 'keda', { 'app.kubernetes.io/name': 'keda-operator' }),
  pod('kube-dns', 'kube-system', { 'k8s-app': 'kube-dns' }, [
    { port: 53, protocol: 'UDP', name: 'dns' },
    { port: 53, protocol: 'TCP', name: 'dns-tcp' },
  ]),
  // A pod someone started in faceflow's namespace, and one in another namespace.
  pod('stranger-in-namespace', 'faceflow', { app: 'debug-shell' }, [{ port: 8080, protocol: 'TCP' }]),
  pod('stranger-elsewhere', 'default', { app: 'shell' }, [{ port: 8080, protocol: 'TCP' }]),
  // Outside the cluster: prod's managed database and NATS (overlays/prod CIDRs), and the internet.
  { name: 'external-database', ip: '10.20.0.5', ports: [{ port: 5432, protocol: 'TCP' }] },
  { name: 'external-nats', ip: '10.20.1.5', ports: [{ port: 4222, protocol: 'TCP' }] },
  { name: 'internet', ip: '93.184.216.34', ports: [{ port: 443, protocol: 'TCP' }] },
];

const dns = ['kube-dns:53/UDP', 'kube-dns:53/TCP'];
const namespaced = [
  'faceflow-api',
  'faceflow-worker',
  'faceflow-recognizer',
  'faceflow-search',
  'faceflow-redeemer',
  'faceflow-migrate',
];

/** The allow-matrix of issue 8, as "source -> destination:port/protocol"; everything else is denied. */
const devMatrix = [
  'ingress-controller -> faceflow-api:8080/TCP',
  'prometheus -> faceflow-api:9464/TCP',
  'prometheus -> faceflow-worker:9464/TCP',
  'prometheus -> faceflow-recognizer:9464/TCP',
  'prometheus -> faceflow-search:9464/TCP',
  ...['faceflow-api', 'faceflow-worker'].flatMap((s) => [
    `${s} -> faceflow-postgres:5432/TCP`,
    `${s} -> faceflow-rabbitmq:5672/TCP`,
    `${s} -> faceflow-recognizer:50051/TCP`,
    `${s} -> faceflow-search:50052/TCP`,
  ]),
  'faceflow-search -> faceflow-postgres:5432/TCP',
  'faceflow-redeemer -> faceflow-postgres:5432/TCP',
  'faceflow-redeemer -> faceflow-rabbitmq:5672/TCP',
  'faceflow-migrate -> faceflow-postgres:5432/TCP',
  'keda-operator -> faceflow-rabbitmq:5672/TCP',
  'faceflow-api -> faceflow-redis:6379/TCP',
  ...[
    ...namespaced,
    'faceflow-postgres',
    'faceflow-rabbitmq',
    'faceflow-redis',
    'stranger-in-namespace',
  ].flatMap((s) => dns.map((d) => `${s} -> ${d}`)),
];

const matrix: Record<(typeof overlays)[number], string[]> = {
  dev: devMatrix,
  // dev with MariaDB (components/mariadb): the same pairs, the database on MySQL's port.
  'dev-mariadb': devMatrix.map((pair) =>
    pair
      .replace('faceflow-postgres:5432', 'faceflow-mariadb:3306')
      .replace('faceflow-postgres ', 'faceflow-mariadb '),
  ),
  prod: [
    'ingress-controller -> faceflow-api:8080/TCP',
    'prometheus -> faceflow-api:9464/TCP',
    'prometheus -> faceflow-worker:9464/TCP',
    'prometheus -> faceflow-recognizer:9464/TCP',
    'prometheus -> faceflow-search:9464/TCP',
    ...['faceflow-api', 'faceflow-worker'].flatMap((s) => [
      `${s} -> external-database:5432/TCP`,
      `${s} -> external-nats:4222/TCP`,
      `${s} -> faceflow-recognizer:50051/TCP`,
      `${s} -> faceflow-search:50052/TCP`,
    ]),
    'faceflow-search -> external-database:5432/TCP',
    'faceflow-redeemer -> external-database:5432/TCP',
    'faceflow-redeemer -> external-nats:4222/TCP',
    'faceflow-migrate -> external-database:5432/TCP',
    'faceflow-api -> faceflow-redis:6379/TCP',
    ...[...namespaced, 'faceflow-redis', 'stranger-in-namespace'].flatMap((s) =>
      dns.map((d) => `${s} -> ${d}`),
    ),
  ],
};

function connections(endpoints: Endpoint[]) {
  const all: { key: string; source: Endpoint; destination: Endpoint; port: Endpoint['ports'][number] }[] = [];
  for (const source of endpoints)
    for (const destination of endpoints)
      for (const port of destination.ports) {
        // Traffic with neither end in faceflow's namespace is not governed by faceflow's policies.
        if (source.namespace !== 'faceflow' && destination.namespace !== 'faceflow') continue;
        if (source === destination) continue;
        all.push({
          key: `${source.name} -> ${destination.name}:${port.port}/${port.protocol}`,
          source,
          destination,
          port,
        });
      }
  return all;
}

describe.each(overlays)('NetworkPolicies of overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);
  const policies = networkPolicies(objects);
  const endpoints = [...workloadEndpoints(objects, nsLabels), ...outsiders];
  const all = connections(endpoints);
  const allowedKeys = new Set(matrix[overlay]);

  it('the matrix names only connections that exist (no typo hides a missing rule)', () => {
    const keys = new Set(all.map((c) => c.key));
    expect(matrix[overlay].filter((k) => !keys.has(k))).toEqual([]);
  });

  it('allows every pair of the allow-matrix', () => {
    const denied = all.filter(
      (c) => allowedKeys.has(c.key) && !allowed(policies, c.source, c.destination, c.port),
    );
    expect(denied.map((c) => c.key)).toEqual([]);
  });

  it('denies every other pair', () => {
    const forbidden = all.filter((c) => !allowedKeys.has(c.key));
    expect(forbidden.length).toBeGreaterThan(50);
    const leaks = forbidden.filter((c) => allowed(policies, c.source, c.destination, c.port));
    expect(leaks.map((c) => c.key)).toEqual([]);
  });

  it('the recognizer is reachable from api and worker only, and calls no one but DNS', () => {
    const recognizer = endpoints.find((e) => e.name === 'faceflow-recognizer') as Endpoint;
    const grpc = { port: 50051, protocol: 'TCP' as const, name: 'grpc' };
    const callers = endpoints
      .filter((e) => e !== recognizer && allowed(policies, e, recognizer, grpc))
      .map((e) => e.name);
    expect(callers.sort()).toEqual(['faceflow-api', 'faceflow-worker']);
    const reached = all.filter(
      (c) => c.source === recognizer && allowed(policies, c.source, c.destination, c.port),
    );
    expect(reached.map((c) => c.destination.name)).toEqual(['kube-dns', 'kube-dns']);
  });

  it('the search role is reachable from api and worker only, and calls the database and DNS only', () => {
    const search = endpoints.find((e) => e.name === 'faceflow-search') as Endpoint;
    const grpc = { port: 50052, protocol: 'TCP' as const, name: 'grpc' };
    const callers = endpoints
      .filter((e) => e !== search && allowed(policies, e, search, grpc))
      .map((e) => e.name);
    expect(callers.sort()).toEqual(['faceflow-api', 'faceflow-worker']);
    const reached = all
      .filter((c) => c.source === search && allowed(policies, c.source, c.destination, c.port))
      .map((c) => c.destination.name);
    const database = {
      dev: 'faceflow-postgres',
      'dev-mariadb': 'faceflow-mariadb',
      prod: 'external-database',
    }[overlay];
    expect(reached.sort()).toEqual([database, 'kube-dns', 'kube-dns'].sort());
  });

  it("the api's tokenless metrics port is reachable from Prometheus only; the Ingress reaches the http port only", () => {
    const api = endpoints.find((e) => e.name === 'faceflow-api') as Endpoint;
    const port = (name: string) => api.ports.find((p) => p.name === name) as Endpoint['ports'][number];
    expect(port('metrics')?.port).toBe(9464);
    const reaching = (p: Endpoint['ports'][number]) =>
      endpoints.filter((e) => e !== api && allowed(policies, e, api, p)).map((e) => e.name);
    expect(reaching(port('metrics'))).toEqual(['prometheus']);
    expect(reaching(port('http'))).toEqual(['ingress-controller']);
  });

  it('Redis (shared rate limits) is reachable from the api only, and calls no one but DNS', () => {
    const redis = endpoints.find((e) => e.name === 'faceflow-redis') as Endpoint;
    const port = { port: 6379, protocol: 'TCP' as const, name: 'redis' };
    const callers = endpoints.filter((e) => e !== redis && allowed(policies, e, redis, port));
    expect(callers.map((e) => e.name)).toEqual(['faceflow-api']);
    const reached = all.filter(
      (c) => c.source === redis && allowed(policies, c.source, c.destination, c.port),
    );
    expect(reached.map((c) => c.destination.name)).toEqual(['kube-dns', 'kube-dns']);
  });
});

describe('the policy evaluator', () => {
  const a = pod('a', 'ns', { role: 'a' }, [{ port: 80, protocol: 'TCP', name: 'http' }]);
  const b = pod('b', 'ns', { role: 'b' }, [{ port: 80, protocol: 'TCP', name: 'http' }]);
  const http = { port: 80, protocol: 'TCP' as const, name: 'http' };
  const policy = (p: Partial<NetworkPolicy>): NetworkPolicy => ({
    namespace: 'ns',
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [],
    egress: [],
    ...p,
  });

  it('allows everything without policies and nothing under a default deny', () => {
    expect(allowed([], a, b, http)).toBe(true);
    expect(allowed([policy({})], a, b, http)).toBe(false);
  });

  it('needs both the egress of the source and the ingress of the destination', () => {
    const deny = policy({});
    const egress = policy({
      podSelector: { matchLabels: { role: 'a' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { role: 'b' } } }] }],
    });
    const ingress = policy({
      podSelector: { matchLabels: { role: 'b' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'a' } } }], ports: [{ port: 'http' }] }],
    });
    expect(allowed([deny, egress], a, b, http)).toBe(false);
    expect(allowed([deny, ingress], a, b, http)).toBe(false);
    expect(allowed([deny, egress, ingress], a, b, http)).toBe(true);
    expect(allowed([deny, egress, ingress], b, a, http)).toBe(false);
    expect(allowed([deny, egress, ingress], a, b, { port: 80, protocol: 'UDP' })).toBe(false);
  });

  it('matches selectors, namespaces and CIDRs like the API', () => {
    expect(
      selectorMatches({ matchExpressions: [{ key: 'x', operator: 'In', values: ['1'] }] }, { x: '1' }),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['1'] }] }, {})).toBe(
      true,
    );
    expect(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, { x: '' })).toBe(
      false,
    );
    expect(inCidr('10.20.1.7', '10.20.1.0/24')).toBe(true);
    expect(inCidr('10.20.2.7', '10.20.1.0/24')).toBe(false);
    const other = pod('c', 'other', { role: 'a' });
    const fromA = policy({
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'a' } } }] }],
    });
    expect(allowed([fromA], other, b, http)).toBe(false); // a bare podSelector means the policy's namespace
  });
});

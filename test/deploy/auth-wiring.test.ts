import { describe, expect, it } from 'vitest';
import { apiConfigSchema } from '../../src/config/roles.config.ts';
import { type ComposeService, readCompose } from './lib/compose.ts';
import { type K8sObject, one, overlays, renderOverlay } from './lib/render.ts';
import {
  type Container,
  containerEnv,
  faceflowContainer,
  isFaceflow,
  secretKeyRefOf,
  secretValue,
  workloads,
} from './lib/workloads.ts';

/** Keys that let their holder sign access tokens (mint an admin): the api's alone. */
const SIGNING_KEYS = ['JWT_SECRET', 'JWT_PRIVATE_KEY_FILE'];

/** Every Secret a container reads, by env, envFrom or volume. */
function secretsRead(container: Container, podVolumes: { secret?: { secretName: string } }[]): string[] {
  return [
    ...(container.env ?? []).flatMap((e) => {
      const ref = (e.valueFrom as { secretKeyRef?: { name: string } } | undefined)?.secretKeyRef;
      return ref ? [ref.name] : [];
    }),
    ...(container.envFrom ?? []).flatMap((s) => (s.secretRef ? [s.secretRef.name] : [])),
    ...podVolumes.flatMap((v) => (v.secret ? [v.secret.secretName] : [])),
  ];
}

function containersOf(objects: K8sObject[]) {
  return workloads(objects).flatMap((w) =>
    w.pod.containers.map((c) => ({
      c,
      id: `${w.object.kind}/${w.object.metadata.name}/${c.name}`,
      secrets: secretsRead(c, (w.pod as { volumes?: { secret?: { secretName: string } }[] }).volumes ?? []),
    })),
  );
}

describe.each(overlays)('%s: the api signs its tokens with a Secret of its own', (overlay) => {
  const objects = renderOverlay(overlay);
  const api = faceflowContainer(objects, 'api');
  const jwtRef = secretKeyRefOf(api, 'JWT_SECRET');

  it('the api reads JWT_SECRET from the Secret faceflow-jwt (every replica the same key)', () => {
    expect(jwtRef?.key).toBe('JWT_SECRET');
    expect(jwtRef?.name).toMatch(/^faceflow-jwt(-[a-z0-9]+)?$/);
  });

  it('no other pod gets a signing key or reads the JWT Secret (workers, recognizer, redeemer, migrate, Redis)', () => {
    const others = containersOf(objects).filter(({ c }) => !(isFaceflow(c) && c.args?.[0] === 'api'));
    expect(others.length).toBeGreaterThanOrEqual(4);
    for (const { c, id, secrets } of others) {
      const keys = [...containerEnv(c, objects).keys()];
      expect(
        keys.filter((k) => SIGNING_KEYS.includes(k)),
        id,
      ).toEqual([]);
      expect(secrets, id).not.toContain(jwtRef?.name);
    }
  });

  it('the JWT Secret holds the signing key only, a value the api accepts (dev), or comes from outside git (prod)', () => {
    const ref = jwtRef as { name: string; key: string };
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
    if (overlay === 'prod') return expect(secret).toBeUndefined();
    expect(Object.keys((secret?.data ?? {}) as Record<string, string>)).toEqual(['JWT_SECRET']);
    const parsed = apiConfigSchema.safeParse({ JWT_SECRET: secretValue(objects, ref) });
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('no faceflow pod turns authentication off, and probes and the scrape need no token', () => {
    for (const { c, id } of containersOf(objects).filter(({ c }) => isFaceflow(c))) {
      expect(containerEnv(c, objects).get('AUTH') ?? 'enabled', id).toBe('enabled');
    }
    const probes = [api.startupProbe, api.livenessProbe, api.readinessProbe] as {
      httpGet?: { path: string; httpHeaders?: unknown[] };
    }[];
    expect(probes.map((p) => p.httpGet?.path)).toEqual(['/healthz', '/healthz', '/readyz']);
    for (const p of probes) expect(p.httpGet?.httpHeaders).toBeUndefined();
    const monitor = one(objects, 'ServiceMonitor', 'faceflow-api');
    const endpoint = (monitor.spec as { endpoints: Record<string, unknown>[] }).endpoints[0];
    expect(endpoint?.path).toBe('/metrics');
    expect(endpoint?.authorization ?? endpoint?.bearerTokenSecret).toBeUndefined();
  });

  it("/metrics through the Ingress needs a token (METRICS_AUTH=enabled); Prometheus scrapes the api's metrics port, tokenless", () => {
    const env = containerEnv(api, objects);
    // The listening keys as the api reads them (the Secrets' values are not all in git: prod).
    const keys = ['HOST', 'PORT', 'METRICS_HOST', 'METRICS_PORT', 'METRICS_AUTH'];
    const config = apiConfigSchema.parse({
      ...Object.fromEntries(keys.map((k) => [k, env.get(k)])),
      JWT_SECRET: 'a stand-in for the Secret, long enough',
    });
    expect(env.get('METRICS_AUTH')).toBe('enabled');
    expect(config.METRICS_AUTH).toBe(true);
    const containerPort = (name: string) => api.ports?.find((p) => p.name === name)?.containerPort;
    expect(config.PORT).toBe(containerPort('http'));
    expect(config.METRICS_PORT).toBe(containerPort('metrics'));
    expect(config.METRICS_HOST).toBe('0.0.0.0');
    const ingress = one(objects, 'Ingress', 'faceflow-api');
    const backends = JSON.stringify(ingress.spec).match(/"port":\{[^}]*\}/g);
    expect(backends).toEqual(['"port":{"name":"http"}']);
    const monitor = one(objects, 'ServiceMonitor', 'faceflow-api');
    const endpoint = (monitor.spec as { endpoints: { port: string }[] }).endpoints[0];
    expect(endpoint?.port).toBe('metrics');
    const service = one(objects, 'Service', 'faceflow-api');
    const servicePort = (service.spec as { ports: { name: string; targetPort: string }[] }).ports.find(
      (p) => p.name === endpoint?.port,
    );
    expect(servicePort?.targetPort).toBe('metrics');
  });

  it('the api shares rate limits (sign-in included) through the Redis of the overlay (REDIS_URL from a Secret)', () => {
    const ref = secretKeyRefOf(api, 'REDIS_URL') as { name: string; key: string };
    expect(ref?.name).toMatch(/^faceflow-redis(-[a-z0-9]+)?$/);
    const redis = workloads(objects).find((w) => w.object.metadata.name === 'faceflow-redis');
    if (!redis) throw new Error('no Redis rendered');
    const redisContainer = redis.pod.containers[0] as Container;
    expect(secretKeyRefOf(redisContainer, 'REDIS_PASSWORD')?.name).toBe(ref.name);
    // Redis gets its password, nothing else of faceflow's.
    expect(redisContainer.envFrom ?? []).toEqual([]);
    expect((redisContainer.env ?? []).map((e) => e.name)).toEqual(['REDIS_PASSWORD']);
    const service = one(objects, 'Service', 'faceflow-redis');
    const port = (service.spec as { ports: { port: number }[] }).ports[0]?.port;
    expect(port).toBe(6379);
    if (overlay === 'prod') return expect(secretValue(objects, ref)).toBeUndefined();
    const url = new URL(secretValue(objects, ref) as string);
    expect(`${url.protocol}//${url.hostname}:${url.port}`).toBe(`redis://faceflow-redis:${port}`);
    expect(decodeURIComponent(url.password)).toBe(
      secretValue(objects, { name: ref.name, key: 'REDIS_PASSWORD' }),
    );
  });

  it('only the api reads REDIS_URL', () => {
    const readers = containersOf(objects)
      .filter(({ c }) => containerEnv(c, objects).has('REDIS_URL'))
      .map(({ c }) => c.args?.[0]);
    expect(readers).toEqual(['api']);
  });
});

describe('compose: the same split', () => {
  const compose = readCompose();
  const services = Object.entries(compose.services);
  const api = compose.services.api as ComposeService;

  it('the api gets JWT_SECRET (overridable from the environment) and REDIS_URL of the redis service', () => {
    expect(api.environment?.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:-[^}]{32,}\}$/);
    const url = new URL(api.environment?.REDIS_URL as string);
    expect(url.hostname).toBe('redis');
    expect(compose.services.redis?.command).toContain(decodeURIComponent(url.password));
  });

  it('no other service gets a signing key or REDIS_URL, and none turns authentication off', () => {
    for (const [name, service] of services) {
      const keys = Object.keys(service.environment ?? {});
      if (name !== 'api')
        expect(
          keys.filter((k) => [...SIGNING_KEYS, 'REDIS_URL'].includes(k)),
          name,
        ).toEqual([]);
      expect(service.environment?.AUTH ?? 'enabled', name).toBe('enabled');
    }
  });
});

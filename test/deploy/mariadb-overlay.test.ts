import { describe, expect, it } from 'vitest';
import { loadAllConfig } from '../../src/config/roles.config.ts';
import { one, renderOverlay } from './lib/render.ts';

describe('overlay dev-mariadb: dev on MariaDB instead of PostgreSQL (components/mariadb)', () => {
  const objects = renderOverlay('dev-mariadb');

  it('runs one MariaDB 10.11 StatefulSet in READ COMMITTED and utf8mb4_bin, and no PostgreSQL', () => {
    const set = one(objects, 'StatefulSet', 'faceflow-mariadb') as unknown as {
      spec: { template: { spec: { containers: { image: string; args: string[] }[] } } };
    };
    const [container] = set.spec.template.spec.containers;
    expect(container?.image).toMatch(/^mariadb:10\.11/);
    expect(container?.args).toEqual(
      expect.arrayContaining(['--transaction-isolation=READ-COMMITTED', '--collation-server=utf8mb4_bin']),
    );
    one(objects, 'Service', 'faceflow-mariadb');
    expect(objects.filter((o) => o.metadata.name.includes('postgres')).map((o) => o.kind)).toEqual([]);
  });

  it('gives every role a mysql:// DATABASE_URL that the config accepts, with the credentials MariaDB is started with', () => {
    const secret = (name: string) => {
      // kustomize names a generated Secret with a hash suffix (and rewrites the references to it)
      const found = objects.find(
        (o) => o.kind === 'Secret' && o.metadata.name.replace(/-[a-z0-9]{10}$/, '') === name,
      );
      const data = (found?.data ?? {}) as Record<string, string>;
      return (key: string) => Buffer.from(data[key] ?? '', 'base64').toString('utf8');
    };
    const url = secret('faceflow-secrets')('DATABASE_URL');
    expect(loadAllConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    const parsed = new URL(url);
    const mariadb = secret('faceflow-mariadb');
    expect(parsed.protocol).toBe('mysql:');
    expect(`${parsed.hostname}:${parsed.port}`).toBe('faceflow-mariadb:3306');
    expect(decodeURIComponent(parsed.username)).toBe(mariadb('MARIADB_USER'));
    expect(decodeURIComponent(parsed.password)).toBe(mariadb('MARIADB_PASSWORD'));
    expect(parsed.pathname).toBe(`/${mariadb('MARIADB_DATABASE')}`);
  });
});

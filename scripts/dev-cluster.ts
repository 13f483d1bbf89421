/**
 * `npm run dev:cluster`: faceflow as a small cluster on this machine — 1 api, N workers (default 2) and
 * 1 recognizer as child processes on PostgreSQL + RabbitMQ, each line of their output prefixed with its
 * name. Creates its own database and queue names, runs the migrations first, and stops every process
 * on Ctrl-C (SIGINT/SIGTERM) or when one of them dies. No shell: plain child processes of this Node.
 *
 *   npm run dev:cluster                         # api on http://127.0.0.1:3000
 *   npm run dev:cluster -- --workers 3 --port 3100
 *   DEV_CLUSTER_QUEUE_URL=nats://127.0.0.1:4222 npm run dev:cluster
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'faceflow.js');
const COLORS = [36, 33, 35, 32, 34, 31];

interface ClusterOptions {
  postgresUrl: string;
  database: string;
  queueUrl: string;
  queueName: string;
  dataDir: string;
  port: number;
  workers: number;
  recognizerPort: number;
  metricsPort: number;
  logLevel: string;
}

function options(): ClusterOptions {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: process.env.DEV_CLUSTER_WORKERS ?? '2' },
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      name: { type: 'string', default: process.env.DEV_CLUSTER_NAME ?? 'faceflow_dev_cluster' },
    },
  });
  const name = values.name;
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(name))
    throw new Error(`--name must be lower-case letters, digits, _: ${name}`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 16) throw new Error('--workers must be 1..16');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error('--port must be 1..65535');
  return {
    postgresUrl: process.env.DEV_CLUSTER_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    database: name,
    queueUrl: process.env.DEV_CLUSTER_QUEUE_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    queueName: name.replaceAll('_', '-'),
    dataDir: resolve(process.env.DEV_CLUSTER_DATA_DIR ?? join(ROOT, 'data', name)),
    port,
    workers,
    recognizerPort: Number(process.env.DEV_CLUSTER_RECOGNIZER_PORT ?? 50_061),
    metricsPort: Number(process.env.DEV_CLUSTER_METRICS_PORT ?? 9470),
    logLevel: process.env.LOG_LEVEL ?? 'info',
  };
}

/** Creates the cluster's database on the PostgreSQL server when it is missing; answers its URL. */
async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    // The name is checked against [a-z0-9_] above; CREATE DATABASE takes no parameters.
    if (found.rowCount === 0) await client.query(`create database ${database}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Copies each line of a child's stdout and stderr to ours, behind its coloured name. */
function prefixOutput(child: ChildProcess, name: string, color: number, width: number): void {
  const prefix = process.stdout.isTTY
    ? `\u001b[${color}m${name.padEnd(width)}\u001b[0m │ `
    : `${name.padEnd(width)} │ `;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
  }
}

interface Member {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function launch(
  name: string,
  role: string,
  env: Record<string, string>,
  index: number,
  width: number,
): Member {
  const child = spawn(process.execPath, [CLI, role], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixOutput(child, name, COLORS[index % COLORS.length] as number, width);
  // 'close', not 'exit': its last lines are printed by then.
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return { name, child, exited };
}

async function stopAll(members: Member[], graceMs = 15_000): Promise<void> {
  for (const m of members)
    if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGTERM');
  const killer = setTimeout(() => {
    for (const m of members) if (m.child.exitCode === null) m.child.kill('SIGKILL');
  }, graceMs);
  await Promise.all(members.map((m) => m.exited));
  clearTimeout(killer);
}

async function main(): Promise<number> {
  const o = options();
  mkdirSync(o.dataDir, { recursive: true });
  const databaseUrl = await ensureDatabase(o.postgresUrl, o.database);
  const common = {
    DATABASE_URL: databaseUrl,
    QUEUE_URL: o.queueUrl,
    QUEUE_NAME: o.queueName,
    DATA_DIR: o.dataDir,
    LOG_LEVEL: o.logLevel,
  };
  const width = Math.max('recognizer'.length, `worker-${o.workers}`.length);
  const say = (line: string) => process.stdout.write(`${'cluster'.padEnd(width)} │ ${line}\n`);
  say(`database ${o.database}, queue ${o.queueName} on ${new URL(o.queueUrl).host}, data in ${o.dataDir}`);

  const migrate = launch('migrate', 'migrate', common, 0, width);
  const migrated = await migrate.exited;
  if (migrated !== 0) {
    say(`migrations failed (exit ${migrated})`);
    return 1;
  }

  // The api's JWT key, kept with the cluster's data so sign-ins survive a restart; given explicitly, as a
  // deployment with several api replicas must, rather than left to the api to generate.
  const jwtSecretFile = join(o.dataDir, 'dev-cluster-jwt-secret');
  if (!existsSync(jwtSecretFile))
    writeFileSync(jwtSecretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  const jwtSecret = readFileSync(jwtSecretFile, 'utf8').trim();
  // A fresh secret per run: only this cluster's processes talk to its recognizer.
  const secret = randomBytes(24).toString('base64url');
  const recognizerUrl = `http://127.0.0.1:${o.recognizerPort}`;
  const remote = { RECOGNIZER_URL: recognizerUrl, RECOGNIZER_SECRET: secret };
  const members: Member[] = [
    launch(
      'recognizer',
      'recognizer',
      {
        LOG_LEVEL: o.logLevel,
        RECOGNIZER_PORT: String(o.recognizerPort),
        RECOGNIZER_HOST: '127.0.0.1',
        RECOGNIZER_SECRET: secret,
        METRICS_PORT: String(o.metricsPort),
        METRICS_HOST: '127.0.0.1',
      },
      1,
      width,
    ),
    launch(
      'api',
      'api',
      { ...common, ...remote, JWT_SECRET: jwtSecret, PORT: String(o.port), HOST: '127.0.0.1' },
      2,
      width,
    ),
  ];
  for (let i = 1; i <= o.workers; i++)
    members.push(
      launch(
        `worker-${i}`,
        'worker',
        { ...common, ...remote, METRICS_PORT: String(o.metricsPort + i), METRICS_HOST: '127.0.0.1' },
        2 + i,
        width,
      ),
    );
  say(
    `api http://127.0.0.1:${o.port}, recognizer ${recognizerUrl}, ${o.workers} worker${o.workers === 1 ? '' : 's'}; Ctrl-C stops all`,
  );

  let stopping: Promise<void> | null = null;
  const stop = (why: string) => {
    if (!stopping) {
      say(`${why}: stopping every process`);
      stopping = stopAll(members);
    }
    return stopping;
  };
  process.on('SIGINT', () => void stop('interrupted'));
  process.on('SIGTERM', () => void stop('terminated'));
  const first = await Promise.race(members.map((m) => m.exited.then((code) => ({ name: m.name, code }))));
  const unexpected = stopping === null;
  await stop(`${first.name} exited (${first.code})`);
  say('stopped');
  return unexpected ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dev-cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

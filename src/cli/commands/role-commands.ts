import type { Command } from 'commander';
import {
  loadAllConfig,
  loadApiConfig,
  loadMigrateConfig,
  loadRecognizerConfig,
  loadRedeemerConfig,
  loadSearchConfig,
  loadWorkerConfig,
} from '../../config/roles.config.ts';
import type { TracingConfig } from '../../config/tracing.config.ts';
import { startTracing, type Tracing } from '../../observability/tracing/tracing.ts';
import { closeOnSignal } from '../../roles/wiring/lifecycle.ts';
import { printJson } from '../output.ts';
import { remindSetupLink } from '../setup-reminder.ts';

/** What the api roles (`all`, `api`) return once they listen. */
interface RunningHttpRole {
  url: string;
  metricsUrl: string | null;
  setup: Parameters<typeof remindSetupLink>[0];
  close(): Promise<void>;
}

/** First run: the one-time link for the first admin, on stdout (never into the JSON log), until used. */
const printLine = (line: string) => void process.stdout.write(line);

/** The URL line the start scripts and tests wait for, with the metrics port's on the same write. */
function announce(running: { url: string; metricsUrl: string | null }): void {
  const metrics = running.metricsUrl ? `\n/healthz, /readyz, /metrics also at ${running.metricsUrl}` : '';
  process.stdout.write(`faceflow is running at ${running.url}  (API docs: ${running.url}/docs)${metrics}\n`);
}

/**
 * A long-running role with tracing: the SDK starts before the role's modules load (the
 * instrumentations patch them as they do); on SIGTERM/SIGINT the role closes, then tracing flushes.
 */
async function serveTraced<C extends TracingConfig>(
  config: C,
  role: string,
  start: (config: C, tracing: Tracing) => Promise<{ close(): Promise<void> }>,
): Promise<void> {
  const tracing = await startTracing(config, role);
  const running = await start(config, tracing);
  await closeOnSignal(async () => {
    await running.close();
    await tracing.shutdown();
  });
}

/** The api roles: the URL line, then the setup link reminder until the role closes. */
function withSetupReminder(running: RunningHttpRole): { close(): Promise<void> } {
  announce(running);
  const reminder = remindSetupLink(running.setup, printLine);
  return {
    close: async () => {
      reminder.stop();
      await running.close();
    },
  };
}

/** The roles: `all`, `api`, `worker`, `recognizer`, `search`, `redeemer`, `migrate`. Configuration comes from the environment only. */
export function registerRoleCommands(program: Command): void {
  program
    .command('all')
    .description(
      'run everything in one process: API, workers, redeemer (SQLite + embedded queue under DATA_DIR)',
    )
    .action(() =>
      serveTraced(loadAllConfig(), 'all', async (config, tracing) => {
        const { startAll } = await import('../../roles/all.ts');
        return withSetupReminder(await startAll(config, { tracing }));
      }),
    );

  program
    .command('api')
    .description('serve the HTTP API, web UI and live events; jobs go to the queue for `faceflow worker`')
    .action(() =>
      serveTraced(loadApiConfig(), 'api', async (config, tracing) => {
        const { startApi } = await import('../../roles/api.ts');
        return withSetupReminder(await startApi(config, { tracing }));
      }),
    );

  program
    .command('worker')
    .description(
      'consume the queue and process photos (HTTP only for /healthz, /readyz, /metrics on METRICS_PORT)',
    )
    .action(() =>
      serveTraced(loadWorkerConfig(), 'worker', async (config, tracing) => {
        const { startWorker } = await import('../../roles/worker.ts');
        const running = await startWorker(config, { tracing });
        process.stdout.write(
          `faceflow worker ${running.consumer} is running (metrics: ${running.metricsUrl})\n`,
        );
        return running;
      }),
    );

  program
    .command('recognizer')
    .description(
      'serve the engine over gRPC, gRPC-Web and Connect on RECOGNIZER_PORT (stateless, no database)',
    )
    .action(() =>
      serveTraced(loadRecognizerConfig(), 'recognizer', async (config, tracing) => {
        const { startRecognizer } = await import('../../roles/recognizer.ts');
        const running = await startRecognizer(config, { tracing });
        process.stdout.write(
          `faceflow recognizer is running at ${running.url} (metrics: ${running.metricsUrl})\n`,
        );
        return running;
      }),
    );

  program
    .command('search')
    .description(
      'hold the gallery index for api and worker processes (SEARCH_URL) over gRPC, gRPC-Web and Connect on SEARCH_PORT',
    )
    .action(async () => {
      const config = loadSearchConfig();
      const { startSearch } = await import('../../roles/search.ts');
      const running = await startSearch(config);
      process.stdout.write(`faceflow search is running at ${running.url} (metrics: ${running.metricsUrl})\n`);
      await closeOnSignal(running.close);
    });

  program
    .command('redeemer')
    .description('re-queue stuck photos (pending too long, or processing with an expired lease) periodically')
    .option('--once', 'one pass, then exit')
    .option('--retry-failed', 'also give photos that failed after transient errors a new round of attempts')
    .option('--json', 'print the result as JSON')
    .action(async (options: { once?: boolean; retryFailed?: boolean; json?: boolean }) => {
      const config = loadRedeemerConfig();
      const tracing = await startTracing(config, 'redeemer');
      const { runRedeemer } = await import('../../roles/redeemer.ts');
      const controller = new AbortController();
      const run = runRedeemer(config, {
        once: options.once,
        retryFailed: options.retryFailed,
        signal: controller.signal,
        tracing,
      }).finally(() => tracing.shutdown());
      // The pass under way ends first: the loop stops once it sees the abort.
      if (!options.once)
        void closeOnSignal(async () => {
          controller.abort();
          await run.catch(() => {});
        });
      const requeued = await run;
      if (options.json) printJson({ requeued });
      else process.stdout.write(`re-queued ${requeued} photo(s)\n`);
    });

  program
    .command('migrate')
    .description('bring the database schema up to date and exit')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadMigrateConfig();
      const { runMigrations } = await import('../../roles/migrate.ts');
      const applied = await runMigrations(config);
      if (options.json) printJson({ applied });
      else
        process.stdout.write(
          applied.length === 0 ? 'schema up to date\n' : `applied: ${applied.join(', ')}\n`,
        );
    });
}

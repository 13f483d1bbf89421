import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, type BatchJob, IMAGE_STATUSES, type SystemStats } from '../api.ts';
import { ErrorMessage, Loading } from '../components/messages.tsx';
import { RegroupButton } from '../components/regroup-button.tsx';
import { StatusBadge, statusLabel } from '../components/status-badge.tsx';
import { Link, useTitle } from '../router.tsx';

/** A rate as people read it: two significant digits (0.033, 0.5, 2.4, 12). */
function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  return perSecond >= 10 ? perSecond.toFixed(0) : Number(perSecond.toPrecision(2)).toString();
}

/** Photos per second over the last minutes, one bar per bucket, with a text summary for screen readers. */
function ThroughputChart({ throughput }: { throughput: SystemStats['throughput'] }) {
  const { bucketSeconds, processed, failed } = throughput;
  const rates = processed.map((n) => n / bucketSeconds);
  const failedRates = failed.map((n) => n / bucketSeconds);
  const busiest = Math.max(0, ...rates.map((r, i) => r + (failedRates[i] ?? 0)));
  // Nothing done yet: an empty chart, with no made-up scale ("peak 0.1/s") to read off it.
  const scale = busiest > 0 ? busiest : 1;
  const width = 600;
  const height = 140;
  const barWidth = width / rates.length;
  const lastMinute = Math.round(60 / bucketSeconds);
  const recent = processed.slice(-lastMinute).reduce((a, b) => a + b, 0) / 60;
  const total = processed.reduce((a, b) => a + b, 0);
  const failedTotal = failed.reduce((a, b) => a + b, 0);
  const minutes = Math.round((rates.length * bucketSeconds) / 60);
  const summary =
    total + failedTotal === 0
      ? `No photo was processed in the last ${minutes} minutes.`
      : `${formatRate(recent)} photos/s over the last minute; ${total} photos processed and ${failedTotal} failed in the last ${minutes} minutes; peak ${formatRate(busiest)} photos/s.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={`Photos per second. ${summary}`}>
        <line x1={0} y1={height} x2={width} y2={height} className="chart-axis" />
        {rates.map((rate, i) => {
          const h = (rate / scale) * height;
          const f = ((failedRates[i] ?? 0) / scale) * height;
          const x = i * barWidth;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: buckets are positions in time
            <g key={i}>
              <rect x={x + 1} y={height - h} width={barWidth - 2} height={h} className="chart-bar" />
              {f > 0 ? (
                <rect
                  x={x + 1}
                  y={height - h - f}
                  width={barWidth - 2}
                  height={f}
                  className="chart-bar-failed"
                />
              ) : null}
            </g>
          );
        })}
        <text x={0} y={height + 16} className="chart-label">
          −{minutes} min
        </text>
        <text x={width} y={height + 16} textAnchor="end" className="chart-label">
          now
        </text>
        {busiest > 0 ? (
          <text x={4} y={14} className="chart-label" data-testid="throughput-peak">
            {formatRate(busiest)}/s
          </text>
        ) : null}
      </svg>
      <figcaption data-testid="throughput-summary">{summary}</figcaption>
    </figure>
  );
}

/** A worker process as `GET /api/system` lists it (from the heartbeat row it writes every few seconds). */
type WorkerProcess = SystemStats['workers'][number];

const BREAKER_LABELS: Record<NonNullable<WorkerProcess['breakerState']>, string> = {
  closed: 'closed (recognizer answering)',
  half_open: 'half-open (probing the recognizer)',
  open: 'open (recognizer down: photos wait)',
};

function secondsAgo(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}

/** Every worker process of the cluster, alive or gone (3 heartbeats missed), with its breaker. */
function Workers({ workers }: { workers: WorkerProcess[] }) {
  return (
    <section aria-labelledby="workers-h">
      <h2 id="workers-h">Workers</h2>
      {workers.length === 0 ? (
        <p className="empty">No worker process is running.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="workers">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">State</th>
                <th scope="col">Jobs in hand</th>
                <th scope="col">Engine</th>
                <th scope="col">Recognizer breaker</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {workers.map((w) => (
                <tr key={w.id} data-worker-id={w.id} className={w.state === 'gone' ? 'muted' : undefined}>
                  <td>
                    {w.host} · pid {w.pid} <span className="muted">({w.role})</span>
                  </td>
                  <td>{w.state === 'alive' ? 'running' : 'gone (no heartbeat)'}</td>
                  <td>
                    {w.jobsInHand} of {w.concurrency}
                  </td>
                  <td>
                    {w.engineThreads > 0
                      ? `${w.threadsBusy} of ${w.engineThreads} threads busy`
                      : `${w.threadsBusy} remote calls`}
                  </td>
                  <td>{w.breakerState ? BREAKER_LABELS[w.breakerState] : '— (in-process engine)'}</td>
                  <td>
                    <time dateTime={w.lastSeen}>{secondsAgo(w.lastSeen)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function formatEta(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A URL data set's download: how much is in, how fast, how long still. */
function DownloadLine({ download, source }: { download: NonNullable<BatchJob['download']>; source: string }) {
  const { bytes, totalBytes, bytesPerSecond, etaSeconds } = download;
  return (
    <div className="muted">
      <progress
        max={totalBytes ?? 1}
        value={totalBytes ? bytes : undefined}
        aria-label={`Download of ${source}`}
      />{' '}
      downloaded {megabytes(bytes)}
      {totalBytes !== null ? ` of ${megabytes(totalBytes)}` : ''}, {megabytes(bytesPerSecond)}/s, ETA{' '}
      {formatEta(etaSeconds)}
    </div>
  );
}

function JobRow({ job }: { job: BatchJob }) {
  const client = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => api.cancelJob(job.id),
    onSettled: () => void client.invalidateQueries({ queryKey: ['jobs'] }),
  });
  const { photosDone, photosTotal, photosPerSecond, etaSeconds } = job.progress;
  const active = job.state === 'preparing' || job.state === 'running';
  return (
    <tr data-job-id={job.id}>
      <td className="cell-file">{job.source}</td>
      <td>
        {job.kind}: {job.state}
        {job.error ? <span className="error-text"> {job.error.message}</span> : null}
      </td>
      <td>
        <progress
          max={photosTotal ?? 1}
          value={photosTotal ? photosDone : undefined}
          aria-label={`Progress of ${job.source}`}
        />{' '}
        {photosDone}
        {photosTotal !== null ? ` / ${photosTotal}` : ''}
        {job.rejected.length > 0 ? <span className="muted"> ({job.rejected.length} skipped)</span> : null}
        {job.download && !job.download.complete ? (
          <DownloadLine download={job.download} source={job.source} />
        ) : null}
      </td>
      <td>{active ? `${photosPerSecond.toFixed(1)}/s, ETA ${formatEta(etaSeconds)}` : '—'}</td>
      <td>
        {job.state === 'done' ? (
          <a href={`/api/jobs/${encodeURIComponent(job.id)}/result.json`} download>
            Result<span className="visually-hidden"> of {job.source}</span>
          </a>
        ) : null}
        {active ? (
          <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            Cancel<span className="visually-hidden"> {job.source}</span>
          </button>
        ) : null}
      </td>
    </tr>
  );
}

/** Batch jobs, where this server runs them (a 503 means it does not: the section stays hidden). */
function BatchJobs() {
  const jobs = useQuery({ queryKey: ['jobs'], queryFn: api.listJobs, refetchInterval: 2000, retry: false });
  if (jobs.error instanceof ApiError && (jobs.error.status === 503 || jobs.error.status === 404)) return null;
  return (
    <section aria-labelledby="jobs-h">
      <h2 id="jobs-h">Batch jobs</h2>
      <ErrorMessage error={jobs.error} prefix="Jobs could not be loaded" />
      {jobs.data && jobs.data.jobs.length === 0 ? <p className="empty">No batch job yet.</p> : null}
      {jobs.data && jobs.data.jobs.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">State</th>
                <th scope="col">Photos</th>
                <th scope="col">Speed</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.jobs.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Photos that failed in processing and files refused at upload (never stored), newest first. */
function RecentFailures({
  failures,
  rejected,
}: {
  failures: SystemStats['failures'];
  rejected: SystemStats['rejectedUploads'];
}) {
  if (failures.length === 0 && rejected.length === 0) return <p className="empty">No photo has failed.</p>;
  const rows = [
    ...failures.map((f) => ({ kind: 'failed' as const, at: f.updatedAt, photo: f })),
    ...rejected.map((r, i) => ({ kind: 'rejected' as const, at: r.at, upload: r, key: `${r.at}-${i}` })),
  ].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return (
    <div className="table-wrap">
      <table data-testid="recent-failures">
        <thead>
          <tr>
            <th scope="col">Photo</th>
            <th scope="col">Attempts</th>
            <th scope="col">Error</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) =>
            row.kind === 'failed' ? (
              <tr key={row.photo.id} data-kind="failed">
                <td>
                  <Link href={`/photos/${row.photo.id}`}>{row.photo.file}</Link>
                </td>
                <td>{row.photo.attempts}</td>
                <td>
                  <StatusBadge status={row.photo.status} error={row.photo.lastError} />
                </td>
                <td>{new Date(row.at).toLocaleString()}</td>
              </tr>
            ) : (
              <tr key={row.key} data-kind="rejected">
                <td className="cell-file">
                  {row.upload.file}
                  {row.upload.more > 0 ? (
                    <span className="muted"> and {row.upload.more} more files of the same import</span>
                  ) : null}
                </td>
                <td>—</td>
                <td>
                  <span className="badge badge-failed">Rejected at upload</span>{' '}
                  <span className="error-text" title={row.upload.error.code}>
                    {row.upload.error.message}
                  </span>
                </td>
                <td>{new Date(row.at).toLocaleString()}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

export function SystemPage() {
  useTitle('System');
  const stats = useQuery({ queryKey: ['system'], queryFn: api.system, refetchInterval: 2000 });
  if (stats.isPending) return <Loading what="system status" />;
  if (!stats.data) return <ErrorMessage error={stats.error} prefix="System status could not be loaded" />;
  const { images, queue, engine, throughput, failures } = stats.data;
  // Listed by servers with heartbeats; an older server's answer has none.
  const workers = stats.data.workers;
  return (
    <>
      <h1>System</h1>
      <ErrorMessage error={stats.error} prefix="Not refreshed" />
      <RegroupButton />
      <div className="stat-cards">
        <section className="stat-card" aria-labelledby="queue-h">
          <h2 id="queue-h">Queue</h2>
          {queue ? (
            <dl>
              <dt>Waiting</dt>
              <dd data-testid="queue-ready">{queue.ready}</dd>
              <dt>In hand (workers busy)</dt>
              <dd>{queue.inFlight}</dd>
              <dt>Delayed (retry later)</dt>
              <dd>{queue.delayed}</dd>
            </dl>
          ) : (
            <p className="muted">This process has no queue of its own.</p>
          )}
        </section>
        <section className="stat-card" aria-labelledby="engine-h">
          <h2 id="engine-h">Engine threads</h2>
          <dl>
            <dt>Busy</dt>
            <dd data-testid="engine-busy">
              {engine.busy} of {engine.threads}
            </dd>
            <dt>Waiting: camera / identify</dt>
            <dd>{engine.queuedInteractive}</dd>
            <dt>Waiting: batch</dt>
            <dd>{engine.queuedBatch}</dd>
          </dl>
        </section>
        <section className="stat-card" aria-labelledby="images-h">
          <h2 id="images-h">Photos</h2>
          <dl>
            {IMAGE_STATUSES.map((s) => (
              <div key={s} className="dl-row">
                <dt>{statusLabel(s)}</dt>
                <dd data-testid={`system-${s}`}>{images[s]}</dd>
              </div>
            ))}
          </dl>
        </section>
      </div>
      <section aria-labelledby="throughput-h">
        <h2 id="throughput-h">
          Photos per second, last {Math.round((throughput.processed.length * throughput.bucketSeconds) / 60)}{' '}
          minutes
        </h2>
        <ThroughputChart throughput={throughput} />
      </section>
      <Workers workers={workers} />
      <BatchJobs />
      <section aria-labelledby="failures-h">
        <h2 id="failures-h">Recent failures</h2>
        <RecentFailures failures={failures} rejected={stats.data.rejectedUploads} />
      </section>
      <p className="muted">
        Refreshed every 2 seconds. Prometheus metrics: <a href="/metrics">/metrics</a> · API docs:{' '}
        <a href="/docs">/docs</a>
      </p>
    </>
  );
}

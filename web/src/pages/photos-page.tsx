import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState } from 'react';
import {
  api,
  IMAGE_STATUSES,
  type ImageFilter,
  type ImageRow,
  type ImageStatus,
  imagePreviewUrl,
} from '../api.ts';
import { ErrorMessage, Loading } from '../components/messages.tsx';
import { StatusBadge, statusLabel } from '../components/status-badge.tsx';
import { Link, setSearchParams, useSearch, useTitle } from '../router.tsx';

const PAGE_SIZE = 50;

function PeopleCell({ row }: { row: ImageRow }) {
  // The list rows carry no faces: each row asks for its photo (cached, refreshed by live events).
  const detail = useQuery({
    queryKey: ['image', row.id],
    queryFn: () => api.getImage(row.id),
    enabled: row.status === 'processed',
    staleTime: 30_000,
  });
  if (row.status !== 'processed') return <span className="muted">—</span>;
  if (!detail.data) return <span className="muted">…</span>;
  const { faces, people } = detail.data;
  if (faces.length === 0) return <span className="muted">no face</span>;
  const unknown = faces.filter((f) => !f.person).length;
  return (
    <span className="people-cell">
      {people.map((p) => (
        <Link key={p.id} href={`/people/${p.id}`} className="person-chip">
          {p.name}
        </Link>
      ))}
      {unknown > 0 ? <span className="person-chip person-unknown">{unknown} unknown</span> : null}
    </span>
  );
}

/** How long typing must pause before the search goes to the server. */
const SEARCH_DELAY_MS = 300;

/** `value`, once it has stopped changing for `delayMs`. */
function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

type View = 'table' | 'grid';

/** The Photos filters and view, read from the URL (`?status=&person=&q=&view=`). */
function filtersOf(search: string): { filter: ImageFilter; view: View } {
  const params = new URLSearchParams(search);
  const status = params.get('status');
  return {
    filter: {
      status: (IMAGE_STATUSES as readonly string[]).includes(status ?? '')
        ? (status as ImageStatus)
        : undefined,
      person: params.get('person') || undefined,
      q: params.get('q')?.trim() || undefined,
    },
    view: params.get('view') === 'grid' ? 'grid' : 'table',
  };
}

function PhotosTable({ rows, q }: { rows: ImageRow[]; q: string | undefined }) {
  return (
    <div className="table-wrap">
      <table className="photos-table">
        <caption className="visually-hidden">
          Photos, newest first{q ? `, whose name contains “${q}”` : ''}. The status updates live.
        </caption>
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Photo</th>
            <th scope="col">Name</th>
            <th scope="col">People</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-image-id={row.id} data-status={row.status}>
              <td className="cell-id">
                <code title={row.id}>{row.id.slice(-8)}</code>
              </td>
              <td className="cell-thumb">
                <img src={imagePreviewUrl(row.id, 96)} alt="" loading="lazy" decoding="async" />
              </td>
              <td className="cell-file">
                <Link href={`/photos/${row.id}`}>{row.file}</Link>
              </td>
              <td className="cell-people">
                <PeopleCell row={row} />
              </td>
              <td className="cell-status">
                <StatusBadge status={row.status} error={row.lastError} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Thumbnails, as photo apps show a library: the picture first, its name and status under it. */
function PhotosGrid({ rows }: { rows: ImageRow[] }) {
  return (
    <ul className="photo-grid" aria-label="Photos, newest first">
      {rows.map((row) => (
        <li key={row.id} data-image-id={row.id} data-status={row.status}>
          <Link href={`/photos/${row.id}`} className="photo-tile">
            <img src={imagePreviewUrl(row.id, 256)} alt="" loading="lazy" decoding="async" />
            <span className="photo-tile-name">{row.file}</span>
          </Link>
          <StatusBadge status={row.status} error={row.lastError} />
        </li>
      ))}
    </ul>
  );
}

export function PhotosPage() {
  useTitle('Photos');
  const { filter, view } = filtersOf(useSearch());
  const [search, setSearch] = useState(filter.q ?? '');
  const typed = useDebounced(search.trim(), SEARCH_DELAY_MS);
  const q = filter.q;
  const personId = useId();
  const searchId = useId();

  // Typing reaches the URL once it pauses; a URL changed from outside (Back, a link) refills the box.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a settled search is written, not each key
  useEffect(() => {
    if (typed !== (q ?? '')) setSearchParams({ q: typed || undefined });
  }, [typed]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows the URL, not the box
  useEffect(() => {
    if ((q ?? '') !== search.trim()) setSearch(q ?? '');
  }, [q]);

  const counts = useQuery({
    queryKey: ['counts', { person: filter.person, q }],
    queryFn: () => api.imageCounts({ person: filter.person, q }),
    placeholderData: keepPreviousData,
  });
  const people = useQuery({ queryKey: ['people'], queryFn: api.listPeople });
  const images = useInfiniteQuery({
    queryKey: ['images', filter],
    queryFn: ({ pageParam }) => api.listImages(filter, pageParam, PAGE_SIZE),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // While a new search runs, keep showing the last rows rather than a flash of "Loading".
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => images.data?.pages.flatMap((p) => p.images) ?? [], [images.data]);
  const filtered = Boolean(filter.status || filter.person || q);

  const setStatus = (status: ImageStatus | undefined) => setSearchParams({ status });

  return (
    <>
      <div className="page-head">
        <h1>Photos</h1>
        <fieldset className="view-toggle">
          <legend className="visually-hidden">Show photos as</legend>
          <button
            type="button"
            aria-pressed={view === 'table'}
            onClick={() => setSearchParams({ view: undefined })}
          >
            Table
          </button>
          <button
            type="button"
            aria-pressed={view === 'grid'}
            onClick={() => setSearchParams({ view: 'grid' })}
          >
            Grid
          </button>
        </fieldset>
      </div>
      <nav aria-label="Photos by status" className="counts">
        <button type="button" aria-pressed={!filter.status} onClick={() => setStatus(undefined)}>
          All <span className="count">{counts.data?.total ?? '…'}</span>
        </button>
        {IMAGE_STATUSES.map((status) => (
          <button
            key={status}
            type="button"
            aria-pressed={filter.status === status}
            onClick={() => setStatus(status)}
            data-status-count={status}
          >
            {statusLabel(status)} <span className="count">{counts.data?.counts[status] ?? '…'}</span>
          </button>
        ))}
      </nav>

      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter photos">
        <div className="field">
          <label htmlFor={personId}>Person</label>
          <select
            id={personId}
            value={filter.person ?? ''}
            onChange={(e) => setSearchParams({ person: e.target.value || undefined })}
          >
            <option value="">Anyone</option>
            {people.data?.people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-grow">
          <label htmlFor={searchId}>Search by file name</label>
          <input
            id={searchId}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="e.g. holiday"
            aria-describedby={`${searchId}-hint`}
          />
          <span id={`${searchId}-hint`} className="visually-hidden">
            Searches every photo's file name and import path; results update as you type.
          </span>
        </div>
      </form>

      <ErrorMessage error={images.error} prefix="The photos could not be loaded" />
      {images.isPending ? <Loading what="photos" /> : null}
      {images.data && rows.length === 0 ? (
        <p className="empty">
          {filtered ? (
            <>No photos match {q ? `“${q}” and ` : ''}these filters.</>
          ) : (
            <>
              No photos yet. <Link href="/upload">Upload some</Link>.
            </>
          )}
        </p>
      ) : null}
      {rows.length > 0 ? (
        view === 'grid' ? (
          <PhotosGrid rows={rows} />
        ) : (
          <PhotosTable rows={rows} q={q} />
        )
      ) : null}
      {images.hasNextPage ? (
        <p>
          <button
            type="button"
            onClick={() => void images.fetchNextPage()}
            disabled={images.isFetchingNextPage}
          >
            {images.isFetchingNextPage ? 'Loading…' : 'Load more photos'}
          </button>
        </p>
      ) : null}
    </>
  );
}

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
import { Link, useTitle } from '../router.tsx';

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

export function PhotosPage() {
  useTitle('Photos');
  const [filter, setFilter] = useState<Omit<ImageFilter, 'q'>>({});
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), SEARCH_DELAY_MS);
  const statusId = useId();
  const personId = useId();
  const searchId = useId();

  const counts = useQuery({
    queryKey: ['counts', { person: filter.person, q }],
    queryFn: () => api.imageCounts({ person: filter.person, q }),
    placeholderData: keepPreviousData,
  });
  const people = useQuery({ queryKey: ['people'], queryFn: api.listPeople });
  const query: ImageFilter = { ...filter, q: q || undefined };
  const images = useInfiniteQuery({
    queryKey: ['images', query],
    queryFn: ({ pageParam }) => api.listImages(query, pageParam, PAGE_SIZE),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // While a new search runs, keep showing the last rows rather than a flash of "Loading".
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => images.data?.pages.flatMap((p) => p.images) ?? [], [images.data]);
  const filtered = Boolean(filter.status || filter.person || q);

  const setStatus = (status: ImageStatus | undefined) => setFilter((f) => ({ ...f, status }));

  return (
    <>
      <h1>Photos</h1>
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
          <label htmlFor={statusId}>Status</label>
          <select
            id={statusId}
            value={filter.status ?? ''}
            onChange={(e) => setStatus((e.target.value || undefined) as ImageStatus | undefined)}
          >
            <option value="">All</option>
            {IMAGE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={personId}>Person</label>
          <select
            id={personId}
            value={filter.person ?? ''}
            onChange={(e) => setFilter((f) => ({ ...f, person: e.target.value || undefined }))}
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

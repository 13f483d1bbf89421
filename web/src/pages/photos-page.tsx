import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import {
  api,
  IMAGE_STATUSES,
  type ImageDetail,
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

/** Search the loaded rows by file name, id, or the names of the people found (from the cached photo details). */
function matches(row: ImageRow, needle: string, detail: ImageDetail | undefined): boolean {
  return (
    row.file.toLowerCase().includes(needle) ||
    row.id.toLowerCase().includes(needle) ||
    (detail?.people ?? []).some((p) => p.name.toLowerCase().includes(needle))
  );
}

export function PhotosPage() {
  useTitle('Photos');
  const [filter, setFilter] = useState<ImageFilter>({});
  const [search, setSearch] = useState('');
  const statusId = useId();
  const personId = useId();
  const searchId = useId();

  const counts = useQuery({ queryKey: ['counts'], queryFn: api.imageCounts });
  const people = useQuery({ queryKey: ['people'], queryFn: api.listPeople });
  const images = useInfiniteQuery({
    queryKey: ['images', filter],
    queryFn: ({ pageParam }) => api.listImages(filter, pageParam, PAGE_SIZE),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = useMemo(() => images.data?.pages.flatMap((p) => p.images) ?? [], [images.data]);
  const client = useQueryClient();
  const needle = search.trim().toLowerCase();
  const shown = needle
    ? rows.filter((row) => matches(row, needle, client.getQueryData<ImageDetail>(['image', row.id])))
    : rows;

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
          <label htmlFor={searchId}>Search by file or person name</label>
          <input
            id={searchId}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="e.g. holiday or Alice"
          />
        </div>
      </form>

      <ErrorMessage error={images.error} prefix="The photos could not be loaded" />
      {images.isPending ? <Loading what="photos" /> : null}
      {images.data && rows.length === 0 ? (
        <p className="empty">
          No photos {filter.status || filter.person ? 'match these filters' : 'yet'}.{' '}
          <Link href="/upload">Upload some</Link>.
        </p>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="photos-table">
            <caption className="visually-hidden">
              Photos, newest first{search ? `, matching “${search}” among those loaded` : ''}. The status
              updates live.
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
              {shown.map((row) => (
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
      {search && rows.length > 0 && shown.length === 0 ? (
        <p className="empty">No loaded photo matches “{search}”.</p>
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

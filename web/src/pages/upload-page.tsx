import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { ApiError, api, describeError, uploadImage } from '../api.ts';
import { useCan } from '../auth.tsx';
import { DropZone, type PickedFile } from '../components/drop-zone.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { Link, useTitle } from '../router.tsx';

type UploadState = 'waiting' | 'uploading' | 'queued' | 'duplicate' | 'rejected';

interface UploadItem {
  key: string;
  name: string;
  size: number;
  progress: number;
  state: UploadState;
  imageId?: string;
  message?: string;
}

/** How many files are sent at once: enough to fill the pipe, few enough to show steady progress. */
const PARALLEL = 3;

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const STATE_TEXT: Record<UploadState, string> = {
  waiting: 'Waiting',
  uploading: 'Uploading',
  queued: 'Uploaded',
  duplicate: 'Already in faceflow',
  rejected: 'Rejected',
};

/**
 * Where an uploaded photo is now: pending, processing, processed (with its faces) or failed. The photo's
 * query is kept fresh by the event stream, so the row changes as the workers get to it.
 */
function LiveStatus({ id }: { id: string }) {
  const photo = useQuery({ queryKey: ['image', id], queryFn: () => api.getImage(id) });
  if (!photo.data) return null;
  const { status, faces, people, lastError } = photo.data;
  return (
    <span className="live-status" data-status={status}>
      {' · '}
      <StatusBadge status={status} error={lastError} />
      {status === 'processed' ? (
        <span className="muted">
          {' '}
          {faces.length} face{faces.length === 1 ? '' : 's'}
          {people.length > 0 ? `: ${people.map((p) => p.name).join(', ')}` : ''}
        </span>
      ) : null}
    </span>
  );
}

export function UploadPage() {
  useTitle('Upload');
  const editor = useCan('editor');
  const client = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const counter = useRef(0);

  const update = (key: string, patch: Partial<UploadItem>) =>
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...patch } : item)));

  const uploadOne = async (key: string, picked: PickedFile) => {
    update(key, { state: 'uploading' });
    try {
      const result = await uploadImage(picked.file, picked.name, (progress) => update(key, { progress }));
      const image = result.images[0];
      const rejected = result.rejected[0];
      if (image)
        update(key, {
          progress: 1,
          state: image.duplicate ? 'duplicate' : 'queued',
          imageId: image.id,
          message: image.duplicate ? 'the same bytes were uploaded before' : undefined,
        });
      else
        update(key, {
          state: 'rejected',
          message: rejected
            ? describeError(new ApiError(422, rejected.error.code, rejected.error.message))
            : 'rejected',
        });
    } catch (error) {
      update(key, { state: 'rejected', progress: 0, message: describeError(error) });
    }
  };

  const start = (files: PickedFile[]) => {
    const batch = files.map((picked) => ({
      picked,
      item: {
        key: `u${counter.current++}`,
        name: picked.name,
        size: picked.file.size,
        progress: 0,
        state: 'waiting' as const,
      },
    }));
    setItems((list) => [...batch.map((b) => b.item), ...list]);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const entry = batch[next++];
        if (entry) await uploadOne(entry.item.key, entry.picked);
      }
    };
    void Promise.all(Array.from({ length: Math.min(PARALLEL, batch.length) }, worker)).then(() => {
      void client.invalidateQueries({ queryKey: ['images'] });
      void client.invalidateQueries({ queryKey: ['counts'] });
    });
  };

  const done = items.filter((i) => i.state === 'queued' || i.state === 'duplicate').length;
  const rejected = items.filter((i) => i.state === 'rejected').length;
  const active = items.length - done - rejected;

  return (
    <>
      <h1>Upload</h1>
      {editor ? null : (
        <p className="message message-error" role="alert">
          Your role may look but not upload. Ask an administrator for the editor role.
        </p>
      )}
      {editor ? (
        <DropZone
          label="Drop photos or folders here"
          hint="JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIF, PGM or PPM. Each photo is stored once and processed in the background."
          onFiles={start}
          allowFolders
          testId="upload-drop"
        />
      ) : null}
      {items.length > 0 ? (
        <>
          <p className="upload-summary" aria-live="polite" data-testid="upload-summary">
            {done} uploaded, {rejected} rejected{active > 0 ? `, ${active} to go` : ''}.{' '}
            {done > 0 ? <Link href="/">See them in Photos</Link> : null}
          </p>
          <ul className="upload-list">
            {items.map((item) => (
              <li key={item.key} className={`upload-item upload-${item.state}`} data-state={item.state}>
                <span className="file-name">{item.name}</span>
                <span className="muted">{formatSize(item.size)}</span>
                <progress
                  max={1}
                  value={item.state === 'waiting' ? 0 : item.progress}
                  aria-label={`Upload of ${item.name}`}
                />
                <span className="result">
                  {STATE_TEXT[item.state]}
                  {item.message ? `: ${item.message}` : ''}
                  {item.imageId ? <LiveStatus id={item.imageId} /> : null}
                  {item.imageId ? (
                    <>
                      {' '}
                      <Link href={`/photos/${item.imageId}`}>
                        Open<span className="visually-hidden"> {item.name}</span>
                      </Link>
                    </>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

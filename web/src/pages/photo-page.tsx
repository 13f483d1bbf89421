import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import {
  api,
  type Face,
  faceThumbnailUrl,
  type ImageDetail,
  imageContentUrl,
  imagePreviewUrl,
} from '../api.ts';
import { useCan } from '../auth.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { FaceBoxes, faceLabel } from '../components/face-boxes.tsx';
import { ErrorMessage, Loading } from '../components/messages.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { Link, navigate, useTitle } from '../router.tsx';

/** Name a face: pick an existing person, or create one from this face. */
function AssignFace({ image, face, onDone }: { image: ImageDetail; face: Face; onDone: () => void }) {
  const client = useQueryClient();
  const people = useQuery({ queryKey: ['people'], queryFn: api.listPeople });
  const [personId, setPersonId] = useState('');
  const [newName, setNewName] = useState('');
  const [enroll, setEnroll] = useState(true);
  const ids = { person: useId(), name: useId(), enroll: useId() };

  const mutation = useMutation({
    mutationFn: async (target: { personId: string } | { newName: string }) => {
      const id = 'personId' in target ? target.personId : (await api.createPerson(target.newName)).id;
      // Enrolling also names the face by hand; assigning only names it.
      if (enroll) await api.enrollFace(id, face.id);
      else await api.assignFace(face.id, id);
      return id;
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['image', image.id] });
      void client.invalidateQueries({ queryKey: ['people'] });
      void client.invalidateQueries({ queryKey: ['person'] });
      void client.invalidateQueries({ queryKey: ['images'] });
      onDone();
    },
  });

  const assignExisting = (e: FormEvent) => {
    e.preventDefault();
    if (personId) mutation.mutate({ personId });
  };
  const createNew = (e: FormEvent) => {
    e.preventDefault();
    if (newName.trim()) mutation.mutate({ newName: newName.trim() });
  };

  return (
    <section className="assign" aria-label={`Name face ${face.index + 1}`}>
      <h3>Who is face {face.index + 1}?</h3>
      <div className="field-inline">
        <input
          id={ids.enroll}
          type="checkbox"
          checked={enroll}
          onChange={(e) => setEnroll(e.target.checked)}
        />
        <label htmlFor={ids.enroll}>Also enrol this face, so other photos of them are recognised</label>
      </div>
      <form onSubmit={assignExisting} className="inline-form">
        <label htmlFor={ids.person}>Existing person</label>
        <select id={ids.person} value={personId} onChange={(e) => setPersonId(e.target.value)}>
          <option value="">Choose…</option>
          {people.data?.people.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <button type="submit" disabled={!personId || mutation.isPending}>
          Assign
        </button>
      </form>
      <form onSubmit={createNew} className="inline-form">
        <label htmlFor={ids.name}>New person</label>
        <input
          id={ids.name}
          value={newName}
          onChange={(e) => setNewName(e.target.value)}
          maxLength={200}
          autoComplete="off"
        />
        <button type="submit" disabled={!newName.trim() || mutation.isPending}>
          Create and assign
        </button>
      </form>
      <button type="button" className="link-button" onClick={onDone}>
        Cancel
      </button>
      <ErrorMessage error={mutation.error} prefix="The face could not be named" />
    </section>
  );
}

/** Gives a failed photo a fresh round of attempts; the row and this page update from the event stream. */
function RetryButton({ id }: { id: string }) {
  const client = useQueryClient();
  const retry = useMutation({
    mutationFn: () => api.retryImage(id),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['image', id] });
      void client.invalidateQueries({ queryKey: ['images'] });
    },
  });
  return (
    <>
      <button type="button" onClick={() => retry.mutate()} disabled={retry.isPending}>
        {retry.isPending ? 'Retrying…' : 'Retry this photo'}
      </button>
      <ErrorMessage error={retry.error} prefix="The photo could not be retried" />
    </>
  );
}

/** Deletes the photo after a confirmation; open Photos lists drop it from the event stream. */
function DeleteButton({ photo }: { photo: ImageDetail }) {
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.deleteImage(photo.id),
    onSuccess: () => {
      setConfirming(false);
      client.removeQueries({ queryKey: ['image', photo.id], exact: true });
      void client.invalidateQueries({ queryKey: ['images'] });
      void client.invalidateQueries({ queryKey: ['counts'] });
      navigate('/');
    },
  });
  return (
    <>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Delete photo
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${photo.file}?`}
        confirmLabel="Delete photo"
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          The photo, its {photo.faces.length} face{photo.faces.length === 1 ? '' : 's'} and its stored file
          are deleted for good. People enrolled from one of its faces keep what they learned from it.
        </p>
        <ErrorMessage error={remove.error} prefix="The photo could not be deleted" />
      </ConfirmDialog>
    </>
  );
}

export function PhotoPage({ id }: { id: string }) {
  const image = useQuery({ queryKey: ['image', id], queryFn: () => api.getImage(id) });
  const [selected, setSelected] = useState<string | null>(null);
  const editor = useCan('editor');
  useTitle(image.data ? `Photo ${image.data.file}` : 'Photo');

  if (image.isPending) return <Loading what="the photo" />;
  if (image.error || !image.data)
    return (
      <>
        <h1>Photo</h1>
        <ErrorMessage error={image.error} prefix="The photo could not be loaded" />
        <Link href="/">Back to photos</Link>
      </>
    );
  const photo = image.data;
  const selectedFace = photo.faces.find((f) => f.id === selected) ?? null;
  const width = photo.width ?? 0;
  const height = photo.height ?? 0;

  return (
    <>
      <p className="breadcrumb">
        <Link href="/">Photos</Link> / <span>{photo.file}</span>
      </p>
      <h1 className="photo-title">{photo.file}</h1>
      <p>
        <StatusBadge status={photo.status} error={photo.lastError} />{' '}
        <span className="muted">
          {width > 0 ? `${width}×${height} · ` : ''}
          {photo.faces.length} face{photo.faces.length === 1 ? '' : 's'} · attempt {photo.attempts} ·{' '}
        </span>
        <a href={imageContentUrl(photo.id)} download={photo.file}>
          Original file
        </a>
      </p>
      {photo.traceId ? (
        <p className="muted">
          Trace id <code data-testid="trace-id">{photo.traceId}</code>{' '}
          <span>(look it up in your tracing backend)</span>
        </p>
      ) : null}
      {editor ? (
        <div className="card-actions">
          <DeleteButton photo={photo} />
        </div>
      ) : null}
      {photo.status === 'failed' ? (
        <p className="message message-error" role="alert">
          Processing failed after {photo.attempts} attempt{photo.attempts === 1 ? '' : 's'}:{' '}
          {photo.lastError?.message ?? 'unknown error'}. The redeemer retries photos whose error is temporary.{' '}
          {editor ? <RetryButton id={photo.id} /> : null}
        </p>
      ) : null}
      <div className="photo-layout">
        <figure className="photo-figure">
          <div
            className="photo-stage"
            // Small photos are scaled up, large ones down; tall ones are kept within the screen's height.
            style={width > 0 ? { width: `min(100%, 640px, calc(75vh * ${width / height}))` } : undefined}
          >
            <img
              src={imagePreviewUrl(photo.id, 1280)}
              alt={`${photo.file}: ${photo.faces.length} faces${photo.people.length ? `, ${photo.people.map((p) => p.name).join(', ')}` : ''}`}
            />
            {width > 0 && photo.faces.length > 0 ? (
              <FaceBoxes
                faces={photo.faces}
                width={width}
                height={height}
                selected={selected}
                onSelect={setSelected}
              />
            ) : null}
          </div>
          <figcaption className="muted">
            {photo.status === 'processed'
              ? 'Click a box, or a face in the list, to name it.'
              : 'Faces appear here once the photo is processed.'}
          </figcaption>
        </figure>
        <section className="faces-panel" aria-labelledby="faces-heading">
          <h2 id="faces-heading">Faces</h2>
          {photo.status === 'processed' && photo.faces.length === 0 ? (
            <p className="muted">No face was found in this photo.</p>
          ) : null}
          <ul className="face-list">
            {photo.faces.map((face) => (
              <li key={face.id} className={face.id === selected ? 'face-item selected' : 'face-item'}>
                <img src={faceThumbnailUrl(photo.id, face.id, 64)} alt="" width={48} height={48} />
                <span className="face-name">
                  Face {face.index + 1}:{' '}
                  {face.person ? (
                    <Link href={`/people/${face.person.id}`}>{faceLabel(face)}</Link>
                  ) : (
                    'unknown'
                  )}
                </span>
                {editor ? (
                  <button
                    type="button"
                    aria-expanded={face.id === selected}
                    onClick={() => setSelected(face.id === selected ? null : face.id)}
                  >
                    {face.person ? 'Change' : 'Name this face'}
                    <span className="visually-hidden"> (face {face.index + 1})</span>
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
          {selectedFace ? (
            <AssignFace
              key={selectedFace.id}
              image={photo}
              face={selectedFace}
              onDone={() => setSelected(null)}
            />
          ) : null}
        </section>
      </div>
    </>
  );
}

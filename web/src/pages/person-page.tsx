import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, describeError, type EnrolledFace, imagePreviewUrl } from '../api.ts';
import { useCan } from '../auth.tsx';
import { DropZone, type PickedFile } from '../components/drop-zone.tsx';
import { FilePreview } from '../components/file-preview.tsx';
import { ErrorMessage, Loading } from '../components/messages.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { Link, navigate, useTitle } from '../router.tsx';
import { DeletePerson, RenameForm } from './people-page.tsx';

interface EnrolAttempt {
  key: string;
  name: string;
  preview: string;
  state: 'enrolling' | 'enrolled' | 'rejected';
  message?: string;
}

/** Enrol dropped photos one after the other (each must show one main face). */
function useEnrolment(personId: string) {
  const client = useQueryClient();
  const [attempts, setAttempts] = useState<EnrolAttempt[]>([]);
  const previews = useRef<string[]>([]);
  useEffect(
    () => () => {
      for (const url of previews.current) URL.revokeObjectURL(url);
    },
    [],
  );

  const update = (key: string, patch: Partial<EnrolAttempt>) =>
    setAttempts((list) => list.map((a) => (a.key === key ? { ...a, ...patch } : a)));

  const enrol = async (files: PickedFile[]) => {
    const batch = files.map((f, i) => ({
      key: `${Date.now()}-${i}-${f.name}`,
      name: f.name,
      preview: URL.createObjectURL(f.file),
      state: 'enrolling' as const,
      file: f.file,
    }));
    previews.current.push(...batch.map((b) => b.preview));
    setAttempts((list) => [...batch.map(({ file: _file, ...a }) => a), ...list]);
    for (const item of batch) {
      try {
        await api.enrollPhoto(personId, item.file, item.name);
        update(item.key, { state: 'enrolled', message: 'Enrolled' });
      } catch (error) {
        update(item.key, { state: 'rejected', message: describeError(error) });
      }
    }
    // Also refreshes ['person', id, 'faces'].
    void client.invalidateQueries({ queryKey: ['person', personId] });
    void client.invalidateQueries({ queryKey: ['people'] });
  };
  return { attempts, enrol };
}

function EnrolledFaceItem({ face, name, n }: { face: EnrolledFace; name: string; n: number }) {
  const from = face.source ? 'from a stored photo' : 'from an uploaded photo';
  const picture = face.thumbnailUrl ? (
    <img
      src={`${face.thumbnailUrl}?size=128`}
      alt={`${name}, enrolled face ${n} (${from})`}
      width={80}
      height={80}
    />
  ) : (
    <span className="face-missing" role="img" aria-label={`${name}, enrolled face ${n}: no picture kept`}>
      ?
    </span>
  );
  return (
    <li data-enrolled-id={face.id} data-source={face.source ? 'photo' : 'upload'}>
      {face.source ? <Link href={`/photos/${face.source.imageId}`}>{picture}</Link> : picture}
    </li>
  );
}

export function PersonPage({ id }: { id: string }) {
  const person = useQuery({ queryKey: ['person', id], queryFn: () => api.getPerson(id) });
  const [renaming, setRenaming] = useState(false);
  const editor = useCan('editor');
  const { attempts, enrol } = useEnrolment(id);
  useTitle(person.data ? person.data.name : 'Person');

  const faces = useQuery({ queryKey: ['person', id, 'faces'], queryFn: () => api.enrolledFaces(id) });

  if (person.isPending) return <Loading what="the person" />;
  if (person.error || !person.data)
    return (
      <>
        <h1>Person</h1>
        <ErrorMessage error={person.error} prefix="This person could not be loaded" />
        <Link href="/people">Back to people</Link>
      </>
    );
  const p = person.data;

  return (
    <>
      <p className="breadcrumb">
        <Link href="/people">People</Link> / <span>{p.name}</span>
      </p>
      <h1>{p.name}</h1>
      <p className="muted">
        {p.images.length} photo{p.images.length === 1 ? '' : 's'} · {p.enrolledFaces} enrolled face
        {p.enrolledFaces === 1 ? '' : 's'}
      </p>
      {!editor ? null : renaming ? (
        <RenameForm person={p} onDone={() => setRenaming(false)} />
      ) : (
        <div className="card-actions">
          <button type="button" onClick={() => setRenaming(true)}>
            Rename
          </button>
          <DeletePerson person={p} afterDelete={() => navigate('/people')} />
        </div>
      )}

      {editor ? (
        <section aria-labelledby="enrol-heading">
          <h2 id="enrol-heading">Enrol</h2>
          <DropZone
            label={`Drop photos of ${p.name} here to enrol them`}
            hint="Each photo must show one main face (others at most half its size). Photos already in faceflow: open the photo and name the face."
            onFiles={(files) => void enrol(files)}
            testId="enrol-drop"
          />
          {attempts.length > 0 ? (
            <ul className="enrol-results" aria-live="polite">
              {attempts.map((a) => (
                <li key={a.key} className={`enrol-${a.state}`} data-state={a.state}>
                  <FilePreview src={a.preview} />
                  <span className="file-name">{a.name}</span>
                  <span className="result">{a.state === 'enrolling' ? 'Enrolling…' : a.message}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="enrolled-heading">
        <h2 id="enrolled-heading">Enrolled faces</h2>
        <p className="muted">
          {p.enrolledFaces} face{p.enrolledFaces === 1 ? '' : 's'} in the gallery: the faces faceflow compares
          every new photo with.
        </p>
        <ErrorMessage error={faces.error} prefix="The enrolled faces could not be loaded" />
        {faces.data && faces.data.faces.length > 0 ? (
          <ul className="face-grid" data-testid="enrolled-faces">
            {faces.data.faces.map((face, i) => (
              <EnrolledFaceItem key={face.id} face={face} name={p.name} n={i + 1} />
            ))}
          </ul>
        ) : null}
      </section>

      <section aria-labelledby="photos-heading">
        <h2 id="photos-heading">Photos of {p.name}</h2>
        {p.images.length === 0 ? <p className="empty">No photo shows {p.name} yet.</p> : null}
        <ul className="photo-grid" data-testid="person-photos">
          {p.images.map((img) => (
            <li key={img.id} data-image-id={img.id}>
              <Link href={`/photos/${img.id}`}>
                <img src={imagePreviewUrl(img.id, 256)} alt="" loading="lazy" />
                <span className="photo-grid-name">{img.file}</span>
              </Link>
              <StatusBadge status={img.status} />
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import {
  api,
  describeError,
  type EnrolledFace,
  faceThumbnailUrl,
  type GroupedFace,
  imagePreviewUrl,
  type PersonSummary,
} from '../api.ts';
import { useCan } from '../auth.tsx';
import { DropZone, type PickedFile } from '../components/drop-zone.tsx';
import { FilePreview } from '../components/file-preview.tsx';
import { ErrorMessage, Loading } from '../components/messages.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { Link, navigate, useTitle } from '../router.tsx';
import { DeletePerson, NameSuggestionForm, RenameForm } from './people-page.tsx';

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

/** Merge this person or suggestion into a named person. */
function MergeInto({ person }: { person: PersonSummary }) {
  const client = useQueryClient();
  const people = useQuery({ queryKey: ['people'], queryFn: api.listPeople });
  const [into, setInto] = useState('');
  const id = useId();
  const merge = useMutation({
    mutationFn: () => api.mergePerson(person.id, into),
    onSuccess: (target) => {
      void client.invalidateQueries({ queryKey: ['people'] });
      void client.invalidateQueries({ queryKey: ['image'] });
      client.removeQueries({ queryKey: ['person', person.id] });
      navigate(`/people/${target.id}`);
    },
  });
  const others = people.data?.people.filter((p) => p.id !== person.id) ?? [];
  if (others.length === 0) return null;
  return (
    <form
      className="inline-form merge-person"
      onSubmit={(e) => {
        e.preventDefault();
        if (into) merge.mutate();
      }}
    >
      <label htmlFor={id}>Merge into</label>
      <select id={id} value={into} onChange={(e) => setInto(e.target.value)}>
        <option value="">choose a person…</option>
        {others.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      <button type="submit" disabled={!into || merge.isPending}>
        Merge
      </button>
      <ErrorMessage error={merge.error} prefix="Not merged" />
    </form>
  );
}

function FaceImage({
  face,
  n,
  label,
  cover,
}: {
  face: GroupedFace;
  n: number;
  label: string;
  cover: boolean;
}) {
  return (
    <img
      src={faceThumbnailUrl(face.imageId, face.faceId, 160)}
      alt={`${label}, face ${n}${cover ? ' (shown for them)' : ''}`}
      width={80}
      height={80}
      loading="lazy"
    />
  );
}

/** Every face of the person in the stored photos; select some to move them, reject them or show one. */
function PhotoFaces({ person, label }: { person: PersonSummary; label: string }) {
  const client = useQueryClient();
  const editor = useCan('editor');
  const faces = useQuery({
    queryKey: ['person', person.id, 'photo-faces'],
    queryFn: () => api.photoFaces(person.id),
  });
  const people = useQuery({ queryKey: ['people'], queryFn: api.listPeople, enabled: editor });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [to, setTo] = useState('');
  const moveId = useId();
  const refresh = () => {
    setSelected(new Set());
    void client.invalidateQueries({ queryKey: ['people'] });
    void client.invalidateQueries({ queryKey: ['person'] });
    void client.invalidateQueries({ queryKey: ['image'] });
  };
  const move = useMutation({
    mutationFn: () => api.moveFaces(person.id, [...selected], to),
    onSuccess: refresh,
  });
  const reject = useMutation({
    mutationFn: () => api.rejectFaces(person.id, [...selected]),
    onSuccess: refresh,
  });
  const cover = useMutation({
    mutationFn: () => api.updatePerson(person.id, { coverFaceId: [...selected][0] as string }),
    onSuccess: refresh,
  });
  const toggle = (faceId: string) =>
    setSelected((old) => {
      const next = new Set(old);
      if (next.has(faceId)) next.delete(faceId);
      else next.add(faceId);
      return next;
    });
  const list = faces.data?.faces ?? [];
  return (
    <section aria-labelledby="faces-heading">
      <h2 id="faces-heading">Faces in photos</h2>
      <ErrorMessage error={faces.error} prefix="The faces could not be loaded" />
      {faces.data && list.length === 0 ? <p className="empty">No face in the stored photos yet.</p> : null}
      {editor && list.length > 0 ? (
        <div className="card-actions face-actions" aria-live="polite">
          <span>{selected.size} selected</span>
          <label htmlFor={moveId}>Move to</label>
          <select id={moveId} value={to} onChange={(e) => setTo(e.target.value)}>
            <option value="">choose a person…</option>
            {(people.data?.people ?? [])
              .filter((p) => p.id !== person.id)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
          </select>
          <button
            type="button"
            disabled={selected.size === 0 || !to || move.isPending}
            onClick={() => move.mutate()}
          >
            Move
          </button>
          <button
            type="button"
            disabled={selected.size === 0 || reject.isPending}
            onClick={() => reject.mutate()}
          >
            Not {label}
          </button>
          <button
            type="button"
            disabled={selected.size !== 1 || cover.isPending}
            onClick={() => cover.mutate()}
          >
            Show this face
          </button>
          <ErrorMessage error={move.error ?? reject.error ?? cover.error} prefix="Not changed" />
        </div>
      ) : null}
      <ul className="face-grid selectable" data-testid="person-faces">
        {list.map((face, i) => (
          <li
            key={face.faceId}
            data-face-id={face.faceId}
            className={selected.has(face.faceId) ? 'face-picked' : ''}
          >
            {editor ? (
              <label className="face-pick">
                <input
                  type="checkbox"
                  className="face-pick-box"
                  checked={selected.has(face.faceId)}
                  onChange={() => toggle(face.faceId)}
                />
                <FaceImage face={face} n={i + 1} label={label} cover={person.cover?.faceId === face.faceId} />
              </label>
            ) : (
              <FaceImage face={face} n={i + 1} label={label} cover={person.cover?.faceId === face.faceId} />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function PersonPage({ id }: { id: string }) {
  const client = useQueryClient();
  const person = useQuery({ queryKey: ['person', id], queryFn: () => api.getPerson(id) });
  const [renaming, setRenaming] = useState(false);
  const editor = useCan('editor');
  const { attempts, enrol } = useEnrolment(id);
  const label = person.data ? (person.data.name ?? 'Unnamed person') : 'Person';
  useTitle(label);
  const named = person.data && person.data.name !== null ? { ...person.data, name: person.data.name } : null;

  const faces = useQuery({
    queryKey: ['person', id, 'faces'],
    queryFn: () => api.enrolledFaces(id),
    enabled: named !== null,
  });
  const hide = useMutation({
    mutationFn: (hidden: boolean) => api.updatePerson(id, { hidden }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['people'] });
      void client.invalidateQueries({ queryKey: ['person', id] });
    },
  });

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
        <Link href="/people">People</Link> / <span>{label}</span>
      </p>
      <h1>{label}</h1>
      <p className="muted">
        {p.suggested ? 'Suggested person · ' : ''}
        {p.images.length} photo{p.images.length === 1 ? '' : 's'} · {p.faceCount} face
        {p.faceCount === 1 ? '' : 's'}
        {named ? ` · ${named.enrolledFaces} enrolled face${named.enrolledFaces === 1 ? '' : 's'}` : ''}
        {p.hidden ? ' · hidden' : ''}
      </p>
      {!editor ? null : !named ? (
        <div className="card-actions">
          <NameSuggestionForm suggestion={p} />
          <MergeInto person={p} />
        </div>
      ) : renaming ? (
        <RenameForm person={named} onDone={() => setRenaming(false)} />
      ) : (
        <div className="card-actions">
          <button type="button" onClick={() => setRenaming(true)}>
            Rename
          </button>
          <button type="button" onClick={() => hide.mutate(!p.hidden)} disabled={hide.isPending}>
            {p.hidden ? 'Show on People' : 'Hide'}
          </button>
          <DeletePerson person={named} afterDelete={() => navigate('/people')} />
          <MergeInto person={p} />
        </div>
      )}

      <PhotoFaces person={p} label={label} />

      {editor && named ? (
        <section aria-labelledby="enrol-heading">
          <h2 id="enrol-heading">Enrol</h2>
          <DropZone
            label={`Drop photos of ${named.name} here to enrol them`}
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

      {named ? (
        <section aria-labelledby="enrolled-heading">
          <h2 id="enrolled-heading">Enrolled faces</h2>
          <p className="muted">
            {named.enrolledFaces} face{named.enrolledFaces === 1 ? '' : 's'} in the gallery: the faces
            faceflow compares every new photo with.
          </p>
          <ErrorMessage error={faces.error} prefix="The enrolled faces could not be loaded" />
          {faces.data && faces.data.faces.length > 0 ? (
            <ul className="face-grid" data-testid="enrolled-faces">
              {faces.data.faces.map((face, i) => (
                <EnrolledFaceItem key={face.id} face={face} name={named.name} n={i + 1} />
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="photos-heading">
        <h2 id="photos-heading">Photos of {label}</h2>
        {p.images.length === 0 ? <p className="empty">No photo shows {label} yet.</p> : null}
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

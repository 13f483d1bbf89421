import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api, faceThumbnailUrl, type Person, type PersonSummary } from '../api.ts';
import { useCan } from '../auth.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorMessage, Loading } from '../components/messages.tsx';
import { Link, navigate, useTitle } from '../router.tsx';

/** A person's photo count and a face to show for them: their first photo's face that is theirs. */
export function usePersonStats(personId: string) {
  return useQuery({
    queryKey: ['people-stats', personId],
    queryFn: async () => {
      const person = await api.getPerson(personId);
      const first = person.images[0];
      let face: { imageId: string; faceId: string } | null = null;
      if (first) {
        const detail = await api.getImage(first.id);
        const mine = detail.faces.find((f) => f.person?.id === personId);
        if (mine) face = { imageId: first.id, faceId: mine.id };
      }
      return { photos: person.images.length, face };
    },
    staleTime: 10_000,
  });
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase())
    .join('');
}

export function Avatar({ person, size = 56 }: { person: Person; size?: number }) {
  const stats = usePersonStats(person.id);
  const face = stats.data?.face;
  return face ? (
    <img
      className="avatar"
      src={faceThumbnailUrl(face.imageId, face.faceId, size * 2)}
      alt=""
      width={size}
      height={size}
    />
  ) : (
    <span className="avatar avatar-initials" style={{ width: size, height: size }} aria-hidden="true">
      {initials(person.name)}
    </span>
  );
}

/** Rename inline; used on the list and on the person's page. */
export function RenameForm({ person, onDone }: { person: Person; onDone: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState(person.name);
  const id = useId();
  const rename = useMutation({
    mutationFn: () => api.renamePerson(person.id, name.trim()),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['people'] });
      void client.invalidateQueries({ queryKey: ['person', person.id] });
      void client.invalidateQueries({ queryKey: ['image'] });
      onDone();
    },
  });
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) rename.mutate();
      }}
    >
      <label htmlFor={id}>New name for {person.name}</label>
      <input
        id={id}
        value={name}
        onChange={(e) => setName(e.target.value)}
        maxLength={200}
        autoComplete="off"
      />
      <button type="submit" disabled={!name.trim() || rename.isPending}>
        Save
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      <ErrorMessage error={rename.error} prefix="Not renamed" />
    </form>
  );
}

/**
 * Delete with a confirmation that says how many photos will be re-identified, or — when the operator chooses
 * to forget the photos too — deleted with every face and stored file in them.
 */
export function DeletePerson({ person, afterDelete }: { person: Person; afterDelete?: () => void }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [purge, setPurge] = useState(false);
  const detail = useQuery({
    queryKey: ['person', person.id],
    queryFn: () => api.getPerson(person.id),
    enabled: open,
  });
  const remove = useMutation({
    mutationFn: () => api.deletePerson(person.id, purge),
    onSuccess: () => {
      setOpen(false);
      client.removeQueries({ queryKey: ['person', person.id] });
      void client.invalidateQueries({ queryKey: ['people'] });
      void client.invalidateQueries({ queryKey: ['images'] });
      void client.invalidateQueries({ queryKey: ['image'] });
      afterDelete?.();
    },
  });
  const photos = detail.data?.images.length;
  return (
    <>
      <button
        type="button"
        className="danger"
        onClick={() => {
          setPurge(false);
          setOpen(true);
        }}
      >
        Delete<span className="visually-hidden"> {person.name}</span>
      </button>
      <ConfirmDialog
        open={open}
        title={`Delete ${person.name}?`}
        confirmLabel={`Delete ${person.name}`}
        busy={remove.isPending || photos === undefined}
        onConfirm={() => remove.mutate()}
        onCancel={() => setOpen(false)}
      >
        <p data-testid="delete-impact">
          {photos === undefined
            ? 'Counting their photos…'
            : purge
              ? `${photos} photo${photos === 1 ? '' : 's'} will be deleted, with every face in them (other people's too) and the stored files.`
              : `${photos} photo${photos === 1 ? '' : 's'} will be re-identified: each of their faces is matched again to another person or left unknown.`}
        </p>
        <label className="checkbox">
          <input type="checkbox" checked={purge} onChange={(e) => setPurge(e.target.checked)} />
          Also delete every photo they appear in
        </label>
        <p>
          Their {person.enrolledFaces} enrolled face{person.enrolledFaces === 1 ? '' : 's'} will be forgotten.
          This cannot be undone.
        </p>
        <ErrorMessage error={remove.error ?? detail.error} prefix="Not deleted" />
      </ConfirmDialog>
    </>
  );
}

/** The face shown for a person or suggestion: their cover face, else initials (or "?" for a suggestion). */
function CoverFace({ person, size = 96 }: { person: PersonSummary; size?: number }) {
  return person.cover ? (
    <img
      className="avatar cover-face"
      src={faceThumbnailUrl(person.cover.imageId, person.cover.faceId, size * 2)}
      alt=""
      width={size}
      height={size}
    />
  ) : (
    <span className="avatar avatar-initials" style={{ width: size, height: size }} aria-hidden="true">
      {person.name ? initials(person.name) : '?'}
    </span>
  );
}

/** "Name this person" on a suggestion: all of its faces get the name at once. */
export function NameSuggestionForm({ suggestion }: { suggestion: PersonSummary }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const id = useId();
  const save = useMutation({
    mutationFn: () => api.updatePerson(suggestion.id, { name: name.trim() }),
    onSuccess: () => {
      setName('');
      void client.invalidateQueries({ queryKey: ['people'] });
      void client.invalidateQueries({ queryKey: ['person'] });
      void client.invalidateQueries({ queryKey: ['image'] });
    },
  });
  return (
    <form
      className="inline-form name-suggestion"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) save.mutate();
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        Name this person ({suggestion.faceCount} faces)
      </label>
      <input
        id={id}
        value={name}
        placeholder="Name this person"
        onChange={(e) => setName(e.target.value)}
        maxLength={200}
        autoComplete="off"
      />
      <button type="submit" disabled={!name.trim() || save.isPending}>
        Save
      </button>
      <ErrorMessage error={save.error} prefix="Not named" />
    </form>
  );
}

function PersonCard({ person }: { person: PersonSummary }) {
  const [renaming, setRenaming] = useState(false);
  const editor = useCan('editor');
  const named = person.name !== null ? { ...person, name: person.name } : null;
  const label = named ? named.name : 'Unnamed person';
  return (
    <li
      className={person.suggested ? 'suggestion-card' : 'person-card'}
      data-person-id={person.id}
      data-suggested={person.suggested}
    >
      <Link href={`/people/${person.id}`} aria-label={`${label}: their faces and photos`}>
        <CoverFace person={person} />
      </Link>
      <div className="person-card-body">
        <h2 className="person-card-name">
          <Link href={`/people/${person.id}`}>{label}</Link>
        </h2>
        <p className="muted">
          {person.photoCount} photo{person.photoCount === 1 ? '' : 's'}
          {named ? ` · ${named.enrolledFaces} enrolled face${named.enrolledFaces === 1 ? '' : 's'}` : ''}
        </p>
        {!editor ? null : !named ? (
          <NameSuggestionForm suggestion={person} />
        ) : renaming ? (
          <RenameForm person={named} onDone={() => setRenaming(false)} />
        ) : (
          <div className="card-actions">
            <button type="button" onClick={() => setRenaming(true)}>
              Rename<span className="visually-hidden"> {named.name}</span>
            </button>
            <DeletePerson person={named} />
          </div>
        )}
      </div>
    </li>
  );
}

export function PeoplePage() {
  useTitle('People');
  const client = useQueryClient();
  const people = useQuery({ queryKey: ['people', 'grid'], queryFn: api.listPeopleAndSuggestions });
  const [name, setName] = useState('');
  const nameId = useId();
  const editor = useCan('editor');
  const create = useMutation({
    mutationFn: (n: string) => api.createPerson(n),
    onSuccess: (person) => {
      setName('');
      void client.invalidateQueries({ queryKey: ['people'] });
      navigate(`/people/${person.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  };
  const named = people.data?.people.filter((p) => !p.suggested) ?? [];
  const suggested = people.data?.people.filter((p) => p.suggested) ?? [];

  return (
    <>
      <h1>People</h1>
      {editor ? (
        <form className="inline-form create-person" onSubmit={submit}>
          <label htmlFor={nameId}>Name of a new person</label>
          <input
            id={nameId}
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={200}
            autoComplete="off"
          />
          <button type="submit" disabled={!name.trim() || create.isPending}>
            Add person
          </button>
        </form>
      ) : null}
      <ErrorMessage error={create.error} prefix="The person could not be added" />
      <ErrorMessage error={people.error} prefix="People could not be loaded" />
      {people.isPending ? <Loading what="people" /> : null}
      {people.data && people.data.people.length === 0 ? (
        <p className="empty">
          Nobody yet. Upload photos: faces seen in several of them are grouped here as suggested people to
          name. Or add a person and enrol a few photos of them on their page.
        </p>
      ) : null}
      <ul className="people-grid" data-testid="people-named">
        {named.map((p) => (
          <PersonCard key={p.id} person={p} />
        ))}
      </ul>
      {suggested.length > 0 ? (
        <section aria-labelledby="suggested-heading">
          <h2 id="suggested-heading">Suggested people</h2>
          <p className="muted">Faces that look alike, grouped for you: name a group to name all its faces.</p>
          <ul className="people-grid" data-testid="people-suggested">
            {suggested.map((p) => (
              <PersonCard key={p.id} person={p} />
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

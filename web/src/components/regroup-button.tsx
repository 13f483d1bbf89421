import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.ts';
import { useCan } from '../auth.tsx';
import { ErrorMessage } from './messages.tsx';

/** The System page's "Re-group faces": the batch re-grouping of every unknown face into suggested people. */
export function RegroupButton() {
  const client = useQueryClient();
  const editor = useCan('editor');
  const regroup = useMutation({
    mutationFn: api.regroup,
    onSuccess: () => void client.invalidateQueries({ queryKey: ['people'] }),
  });
  if (!editor) return null;
  return (
    <section className="regroup" aria-labelledby="regroup-h">
      <h2 id="regroup-h">Suggested people</h2>
      <p className="muted">
        Faces of unknown people are grouped as photos come in. Re-grouping looks at all of them again at once
        (the same groups whatever order the photos came in); named faces stay where they are.
      </p>
      <button type="button" onClick={() => regroup.mutate()} disabled={regroup.isPending}>
        {regroup.isPending ? 'Re-grouping…' : 'Re-group faces'}
      </button>
      {regroup.data ? (
        <p role="status" data-testid="regroup-result">
          {regroup.data.faces} unknown faces in {regroup.data.groups} groups, {regroup.data.suggestions} shown
          as suggested people.
        </p>
      ) : null}
      <ErrorMessage error={regroup.error} prefix="Not re-grouped" />
    </section>
  );
}

/**
 * Who is making a request. Every API route runs on behalf of a principal: a signed-in user, an API
 * key, or — only with `AUTH=disabled` on a loopback address — the local operator.
 */
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Principal =
  | {
      kind: 'user';
      id: string;
      name: string;
      role: Role;
      /** Their role requires two-factor sign-in (TOTP_REQUIRED) and it is not on yet: they may only enrol. */
      mustEnrolTotp?: true;
    }
  | { kind: 'api_key'; id: string; name: string; role: Role }
  | { kind: 'local'; id: 'local'; name: 'local'; role: 'admin' };

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/** True when `role` may do what `needed` may do (admin ⊇ editor ⊇ viewer). */
export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** The principal given to work done with authentication switched off (`AUTH=disabled`). */
export const LOCAL_OPERATOR: Principal = { kind: 'local', id: 'local', name: 'local', role: 'admin' };

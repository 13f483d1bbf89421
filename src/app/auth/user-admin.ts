import { AppError } from '../../core/errors.ts';
import type { Principal, Role } from '../../core/principal.ts';
import { userNameKey } from '../../core/user-name.ts';
import { type AuditActor, type AuditLog, auditActorOf } from '../../ports/audit-log.ts';
import type { Clock } from '../../ports/clock.ts';
import type { UserRecord, UserStore } from '../../ports/user-store.ts';
import { checkName } from './names.ts';
import { checkPasswordPolicy, hashPassword } from './passwords.ts';

export interface UserAdminDeps {
  users: UserStore;
  clock: Clock;
  /** Where user changes are recorded (absent for the CLI's create-admin, which runs before any server). */
  audit?: AuditLog;
}

/** Creates a user after checking the name and the password policy (the CLI and the admin API share it). */
export async function createUser(
  deps: UserAdminDeps,
  input: { name: string; password: string; role: Role },
  actor?: Principal,
): Promise<UserRecord> {
  const name = checkName(input.name);
  checkPasswordPolicy(input.password);
  const passwordHash = await hashPassword(input.password);
  const user = await deps.users.createUser({ name, role: input.role, passwordHash }, deps.clock.now());
  await recordUserChange(deps, actor, 'user.created', user, { name: user.name, role: user.role });
  return user;
}

/** Audit entry for a change to a user: names and roles only (never a password or its hash). */
async function recordUserChange(
  deps: UserAdminDeps,
  actor: Principal | undefined,
  action: string,
  user: Pick<UserRecord, 'id'>,
  details: Record<string, string | boolean>,
): Promise<void> {
  if (!deps.audit || !actor) return;
  const who: AuditActor = auditActorOf(actor);
  await deps.audit.record({ actor: who, action, target: { type: 'user', id: user.id }, details });
}

const lastAdmin = () => new AppError('conflict', 'the last admin cannot be removed or demoted');
const noUser = (id: string) => new AppError('not_found', `no user ${id}`);

/**
 * Changes name, role or password. A new password or role ends the user's sessions (refresh tokens); a new
 * password also ends their access tokens at once (the store raises their token generation) and lifts a
 * lock-out of their name. The last admin cannot be demoted, so the installation always has someone to
 * manage it.
 */
export async function updateUser(
  deps: UserAdminDeps,
  id: string,
  patch: { name?: string; role?: Role; password?: string },
  actor?: Principal,
): Promise<UserRecord> {
  const { users, clock } = deps;
  const current = await users.userById(id);
  if (!current) throw noUser(id);
  const name = patch.name === undefined ? undefined : checkName(patch.name);
  if (patch.password !== undefined) checkPasswordPolicy(patch.password);
  if (current.role === 'admin' && patch.role !== undefined && patch.role !== 'admin')
    if ((await users.countAdmins()) <= 1) throw lastAdmin();
  const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
  const updated = await users.updateUser(id, { name, role: patch.role, passwordHash }, clock.now());
  if (!updated) throw noUser(id);
  if (passwordHash !== undefined || (patch.role !== undefined && patch.role !== current.role))
    await users.revokeUserRefreshTokens(id, clock.now());
  if (passwordHash !== undefined) await users.clearLoginFailures(`name:${userNameKey(updated.name)}`);
  await recordUserChange(deps, actor, 'user.updated', updated, {
    name: updated.name,
    role: updated.role,
    passwordChanged: passwordHash !== undefined,
  });
  return updated;
}

/**
 * Deletes a user with their sessions (refresh tokens); their access tokens stop working at the next request,
 * which finds no user. Not yourself and not the last admin.
 */
export async function deleteUser(deps: UserAdminDeps, id: string, actor: Principal): Promise<void> {
  const { users } = deps;
  if (actor.kind === 'user' && actor.id === id) throw new AppError('conflict', 'you cannot delete yourself');
  const current = await users.userById(id);
  if (!current) throw noUser(id);
  if (current.role === 'admin' && (await users.countAdmins()) <= 1) throw lastAdmin();
  if (!(await users.deleteUser(id))) throw noUser(id);
  await recordUserChange(deps, actor, 'user.deleted', current, { name: current.name, role: current.role });
}

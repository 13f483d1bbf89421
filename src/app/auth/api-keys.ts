import { AppError } from '../../core/errors.ts';
import type { Principal, Role } from '../../core/principal.ts';
import { type AuditLog, auditActorOf } from '../../ports/audit-log.ts';
import type { Clock } from '../../ports/clock.ts';
import type { ApiKeyRecord, UserStore } from '../../ports/user-store.ts';
import { checkName } from './names.ts';
import { API_KEY_PREFIX, randomSecret, tokenHash } from './secrets.ts';

export interface ApiKeyDeps {
  users: UserStore;
  clock: Clock;
  /** Where key creation and revocation are recorded. */
  audit?: AuditLog;
}

/**
 * Creates an API key for a service or script. The key (`ffk_` + 256 random bits) is answered once; only
 * its sha256 is stored, so a lost key cannot be shown again, only revoked and replaced.
 */
export async function createApiKey(
  deps: ApiKeyDeps,
  input: { name: string; role: Role },
  actor: Principal,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const name = checkName(input.name, 'key name');
  const key = randomSecret(API_KEY_PREFIX);
  const record = await deps.users.createApiKey(
    {
      name,
      role: input.role,
      keyHash: tokenHash(key),
      createdBy: actor.kind === 'user' ? actor.id : null,
    },
    deps.clock.now(),
  );
  await deps.audit?.record({
    actor: auditActorOf(actor),
    action: 'key.created',
    target: { type: 'api_key', id: record.id },
    details: { name: record.name, role: record.role },
  });
  return { key, record };
}

export function listApiKeys(deps: ApiKeyDeps): Promise<ApiKeyRecord[]> {
  return deps.users.listApiKeys();
}

/** Revokes a key at once: the next request with it gets 401. */
export async function revokeApiKey(deps: ApiKeyDeps, id: string, actor: Principal): Promise<void> {
  if (!(await deps.users.revokeApiKey(id, deps.clock.now())))
    throw new AppError('not_found', `no active API key ${id}`);
  await deps.audit?.record({
    actor: auditActorOf(actor),
    action: 'key.revoked',
    target: { type: 'api_key', id },
  });
}

import { randomInt } from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import type { Principal, Role } from '../../core/principal.ts';
import { type AuditActor, type AuditDetails, type AuditLog, auditActorOf } from '../../ports/audit-log.ts';
import type { Clock } from '../../ports/clock.ts';
import type { OneTimeCodes } from '../../ports/one-time-codes.ts';
import type { UserCredentials, UserStore } from '../../ports/user-store.ts';
import { countFailure, invalidCode, LockedError } from './auth-service.ts';
import type { SecretBox } from './secret-box.ts';
import { tokenHash } from './secrets.ts';

export const RECOVERY_CODE_COUNT = 10;
/** 16 characters of base32 (80 random bits): too many to guess, so a sha256 of each is enough. */
const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const RECOVERY_GROUPS = 4;
const RECOVERY_GROUP_LENGTH = 4;

/** A 6-digit code as people type it (a space in the middle is fine). */
export const TOTP_CODE_PATTERN = /^\s*\d{3}\s?\d{3}\s*$/;
/** A recovery code as shown (`abcd-efgh-ijkm-nopq`), any case, with or without the dashes. */
export const RECOVERY_CODE_PATTERN = /^\s*[A-Za-z2-7]{4}(?:[-\s]?[A-Za-z2-7]{4}){3}\s*$/;

function newRecoveryCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < RECOVERY_GROUPS; g++) {
    let group = '';
    for (let i = 0; i < RECOVERY_GROUP_LENGTH; i++) group += RECOVERY_ALPHABET[randomInt(32)];
    groups.push(group);
  }
  return groups.join('-');
}

/** What is hashed of a recovery code: lower case, without dashes or spaces. */
function recoveryCodeHash(code: string): string {
  return tokenHash(code.replace(/[-\s]/g, '').toLowerCase());
}

/** Wrong codes on the signed-in routes (enable, disable) are counted per user and lock out like passwords. */
const totpFailureKey = (userId: string) => `totp:${userId}`;

/**
 * Turns off the second factor of `userId` for someone else (an admin, or the CLI on the server's machine):
 * secret and recovery codes gone, lock-out of its codes lifted, the user's sessions ended, audited as
 * `user.totp_reset` by `actor`. Throws `not_found` for no such user.
 */
export async function resetSecondFactor(
  deps: { users: UserStore; clock: Clock; audit?: AuditLog },
  actor: AuditActor,
  userId: string,
  details?: AuditDetails,
): Promise<void> {
  const now = deps.clock.now();
  if (!(await deps.users.clearTotp(userId, now))) throw new AppError('not_found', `no user ${userId}`);
  await deps.users.revokeUserRefreshTokens(userId, now);
  await deps.users.clearLoginFailures(totpFailureKey(userId));
  await deps.audit?.record({
    actor,
    action: 'user.totp_reset',
    target: { type: 'user', id: userId },
    details,
  });
}

/**
 * Which roles must sign in with a second factor (TOTP_REQUIRED: `off`, `all`, or a list of roles).
 */
export type TotpPolicy = ReadonlySet<Role>;

export interface TwoFactorDeps {
  users: UserStore;
  clock: Clock;
  codes: OneTimeCodes;
  box: SecretBox;
  /** The issuer shown by authenticator apps (TOTP_ISSUER). */
  issuer: string;
  requiredRoles: TotpPolicy;
  /** Where turning 2FA on or off and an admin's reset are recorded. */
  audit?: AuditLog;
}

export interface TwoFactorStatus {
  enabled: boolean;
  /** The role of the user requires 2FA (TOTP_REQUIRED). */
  required: boolean;
  /** A setup waits for its confirming code. */
  pending: boolean;
  recoveryCodesLeft: number;
}

const notSignedInUser = () =>
  new AppError(
    'forbidden',
    'only a signed-in user has a second factor (API keys and AUTH=disabled have none)',
  );

/**
 * Two-factor sign-in with TOTP (RFC 6238) and one-time recovery codes (ADR 0009). The secret is stored
 * sealed (SecretBox) and shown only by `setup`; a code counts once (the last accepted step is kept per
 * user); wrong codes lock out like wrong passwords.
 */
export class TwoFactorService {
  constructor(private readonly deps: TwoFactorDeps) {}

  /** Whether users of `role` must have 2FA on before they may do anything else. */
  requiredFor(role: Role): boolean {
    return this.deps.requiredRoles.has(role);
  }

  private async userOf(principal: Principal): Promise<UserCredentials> {
    if (principal.kind !== 'user') throw notSignedInUser();
    const user = await this.deps.users.userById(principal.id);
    if (!user) throw new AppError('unauthorized', 'the user of this session no longer exists');
    return user;
  }

  async status(principal: Principal): Promise<TwoFactorStatus> {
    const user = await this.userOf(principal);
    return {
      enabled: user.totp.secret !== null,
      required: this.requiredFor(user.role),
      pending: user.totp.secret === null && user.totp.pendingSecret !== null,
      recoveryCodesLeft: user.totp.secret === null ? 0 : await this.deps.users.unusedRecoveryCodes(user.id),
    };
  }

  /**
   * A new secret for the user's authenticator app, kept (sealed) as pending until `enable` confirms it
   * with a code. Calling it again replaces a pending one; refused while 2FA is on.
   */
  async setup(principal: Principal): Promise<{ secret: string; otpauthUrl: string }> {
    const user = await this.userOf(principal);
    const alreadyOn = () =>
      new AppError('conflict', 'two-factor sign-in is on already: turn it off first to enrol a new device');
    if (user.totp.secret !== null) throw alreadyOn();
    const secret = this.deps.codes.newSecret();
    const stored = await this.deps.users.setPendingTotp(
      user.id,
      this.deps.box.seal(secret, user.id),
      this.deps.clock.now(),
    );
    if (!stored) throw alreadyOn();
    return { secret, otpauthUrl: this.deps.codes.enrolmentUrl(secret, user.name, this.deps.issuer) };
  }

  /** Turns 2FA on with a code of the pending secret; answers the recovery codes (shown this once). */
  async enable(principal: Principal, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.userOf(principal);
    await this.checkNotLocked(user.id);
    if (user.totp.secret !== null) throw new AppError('conflict', 'two-factor sign-in is on already');
    const pending = user.totp.pendingSecret;
    if (pending === null)
      throw new AppError('conflict', 'nothing to confirm: start with POST /api/auth/totp/setup');
    const now = this.deps.clock.now();
    const step = this.deps.codes.stepOf(this.deps.box.open(pending, user.id), code.replace(/\s/g, ''), now);
    if (step === null) return this.refuse(user.id, now);
    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const enabled = await this.deps.users.enableTotp(
      user.id,
      pending,
      step,
      recoveryCodes.map(recoveryCodeHash),
      now,
    );
    if (!enabled)
      throw new AppError(
        'conflict',
        'the setup changed meanwhile (another setup was started): scan the new code',
      );
    await this.deps.users.clearLoginFailures(this.failureKey(user.id));
    await this.record(principal, 'user.totp_enabled', user.id);
    return { recoveryCodes };
  }

  /** Turns 2FA off; needs a current code (or a recovery code). Refused where the user's role requires 2FA. */
  async disable(principal: Principal, code: string): Promise<void> {
    const user = await this.userOf(principal);
    if (this.requiredFor(user.role))
      throw new AppError('conflict', `two-factor sign-in is required for the ${user.role} role here`);
    await this.checkNotLocked(user.id);
    if (user.totp.secret === null) throw new AppError('conflict', 'two-factor sign-in is not on');
    const now = this.deps.clock.now();
    if (!(await this.verify(user, code))) return this.refuse(user.id, now);
    await this.deps.users.clearTotp(user.id, now);
    await this.deps.users.clearLoginFailures(this.failureKey(user.id));
    await this.record(principal, 'user.totp_disabled', user.id);
  }

  /**
   * An admin's reset of another user's second factor (a lost phone): 2FA off, recovery codes gone, their
   * sessions ended. Audited.
   */
  async reset(actor: Principal, userId: string): Promise<void> {
    await resetSecondFactor(this.deps, auditActorOf(actor), userId);
  }

  /**
   * Checks a code at sign-in (or to turn 2FA off) and uses it up: a TOTP code of the current step or one
   * either side, later than the last accepted step; or an unused recovery code. False otherwise.
   */
  async verify(user: UserCredentials, code: string): Promise<boolean> {
    const { users, codes, box, clock } = this.deps;
    if (user.totp.secret === null) return false;
    const now = clock.now();
    if (TOTP_CODE_PATTERN.test(code)) {
      const step = codes.stepOf(box.open(user.totp.secret, user.id), code.replace(/\s/g, ''), now);
      return step !== null && (await users.claimTotpStep(user.id, step));
    }
    if (RECOVERY_CODE_PATTERN.test(code))
      return users.spendRecoveryCode(user.id, recoveryCodeHash(code), now);
    return false;
  }

  private failureKey(userId: string): string {
    return totpFailureKey(userId);
  }

  private async checkNotLocked(userId: string): Promise<void> {
    const now = this.deps.clock.now();
    const state = await this.deps.users.loginFailures(this.failureKey(userId));
    if (state?.lockedUntil && state.lockedUntil > now)
      throw new LockedError(Math.ceil((state.lockedUntil - now) / 1000));
  }

  private async refuse(userId: string, now: number): Promise<never> {
    await countFailure(this.deps.users, this.failureKey(userId), now);
    throw invalidCode();
  }

  private async record(actor: Principal, action: string, userId: string): Promise<void> {
    await this.deps.audit?.record({
      actor: auditActorOf(actor),
      action,
      target: { type: 'user', id: userId },
    });
  }
}

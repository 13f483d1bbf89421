import type { Role } from '../core/principal.ts';

/** What an access token says: who (`sub`, `name`) with which role, and the user's token generation. */
export interface AccessClaims {
  sub: string;
  name: string;
  role: Role;
  /**
   * The user's token generation when the token was issued (`gen`); authentication refuses a token whose
   * generation is no longer the user's. A token without one (issued before it existed) reads as 0.
   */
  gen: number;
}

/** Signs and verifies short-lived access tokens (JWT in the adapter). */
export interface AccessTokenSigner {
  sign(claims: AccessClaims, ttlSeconds: number): Promise<string>;
  /** The claims of a valid, unexpired access token; throws AppError `unauthorized` for anything else. */
  verify(token: string): Promise<AccessClaims>;
}

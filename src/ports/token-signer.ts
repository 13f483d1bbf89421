import type { Role } from '../core/principal.ts';

/** What an access token says: who (`sub`, `name`) with which role. */
export interface AccessClaims {
  sub: string;
  name: string;
  role: Role;
}

/** Signs and verifies short-lived access tokens (JWT in the adapter). */
export interface AccessTokenSigner {
  sign(claims: AccessClaims, ttlSeconds: number): Promise<string>;
  /** The claims of a valid, unexpired access token; throws AppError `unauthorized` for anything else. */
  verify(token: string): Promise<AccessClaims>;
}

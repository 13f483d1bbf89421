/**
 * Time-based one-time codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps). A step is the number of
 * whole periods since the epoch; a code belongs to one step.
 */
export interface OneTimeCodes {
  /** A new random secret (160 bits), base32 as authenticator apps take it. */
  newSecret(): string;
  /** The `otpauth://totp/…` URL an authenticator app reads from a QR code. */
  enrolmentUrl(secret: string, account: string, issuer: string): string;
  /**
   * The step whose code `code` is, looking at the step of `now` and one step either side (clock drift);
   * null when it is none of them.
   */
  stepOf(secret: string, code: string, now: number): number | null;
  /** The code of the step of `now` (tests and tools; the server never shows one). */
  codeAt(secret: string, now: number): string;
}

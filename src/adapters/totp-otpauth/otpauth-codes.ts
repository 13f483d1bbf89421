import { Secret, TOTP } from 'otpauth';
import type { OneTimeCodes } from '../../ports/one-time-codes.ts';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Steps accepted either side of the current one (clock drift between phone and server). */
const WINDOW = 1;

function totp(secret: string, account = '', issuer = ''): TOTP {
  return new TOTP({
    issuer,
    label: account,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** OneTimeCodes on `otpauth` (RFC 4226/6238), with the parameters every authenticator app supports. */
export class OtpauthCodes implements OneTimeCodes {
  newSecret(): string {
    return new Secret({ size: 20 }).base32;
  }

  enrolmentUrl(secret: string, account: string, issuer: string): string {
    return totp(secret, account, issuer).toString();
  }

  stepOf(secret: string, code: string, now: number): number | null {
    const delta = totp(secret).validate({ token: code, timestamp: now, window: WINDOW });
    return delta === null ? null : TOTP.counter({ period: PERIOD_SECONDS, timestamp: now }) + delta;
  }

  codeAt(secret: string, now: number): string {
    return totp(secret).generate({ timestamp: now });
  }
}

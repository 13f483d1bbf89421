/**
 * The one error type of faceflow. Delivery layers map `code` to their own vocabulary
 * (HTTP status in src/http, exit codes and messages in src/cli, gRPC codes in src/rpc).
 */
export type ErrorCode =
  | 'invalid_input'
  | 'invalid_image'
  | 'image_too_large'
  | 'payload_too_large'
  | 'not_found'
  | 'no_images'
  | 'no_face'
  | 'forbidden_path'
  | 'conflict'
  | 'unauthorized'
  | 'invalid_credentials'
  | 'locked'
  /** Name and password were right; the account also needs its second factor (TOTP or recovery code). */
  | 'totp_required'
  /** A wrong, expired or already used one-time code (TOTP or recovery code). */
  | 'invalid_code'
  /** The user's role requires two-factor sign-in and they have not turned it on yet. */
  | 'totp_enrollment_required'
  | 'forbidden'
  /** A cookie-authenticated write from another origin (cross-site request forgery). */
  | 'forbidden_origin'
  | 'rate_limited'
  | 'engine_failure'
  | 'unavailable'
  | 'internal';

export interface AppErrorOptions {
  cause?: unknown;
  /** Whether retrying the same operation later may succeed (transient failure). */
  retryable?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Plain-data form of an error, safe to send across threads, queues and HTTP. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  retryable?: boolean;
  /** What the library underneath said (the cause's first line): for the log only, never shown to users. */
  detail?: string;
}

function causeLine(error: AppError): string | undefined {
  const cause = error.cause;
  if (cause === undefined) return undefined;
  return (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]?.trim() || undefined;
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof AppError) {
    const detail = causeLine(error);
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(detail ? { detail } : {}),
    };
  }
  return {
    code: 'internal',
    message: error instanceof Error ? error.message : String(error),
    retryable: true,
  };
}

export function fromErrorInfo(info: ErrorInfo): AppError {
  return new AppError(info.code, info.message, {
    retryable: info.retryable ?? false,
    ...(info.detail ? { cause: new Error(info.detail) } : {}),
  });
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../core/errors.ts';

/** The one place AppError codes become HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  invalid_image: 422,
  image_too_large: 422,
  payload_too_large: 413,
  not_found: 404,
  no_images: 422,
  no_face: 422,
  forbidden_path: 403,
  conflict: 409,
  unauthorized: 401,
  invalid_credentials: 401,
  locked: 429,
  totp_required: 401,
  invalid_code: 401,
  totp_enrollment_required: 403,
  forbidden: 403,
  forbidden_origin: 403,
  rate_limited: 429,
  engine_failure: 500,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

const MALFORMED_MULTIPART =
  /unexpected end of multipart data|^Multipart: Boundary not found$|^Boundary required$/i;

/** Turns anything thrown in a route (AppError, Fastify validation or body errors) into an AppError. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as FastifyError & { part?: unknown };
  if (hasZodFastifySchemaValidationErrors(e) || e.validation) {
    const details = (e.validation ?? [])
      .map((v) => `${v.instancePath || v.params?.missingProperty || ''} ${v.message ?? ''}`.trim())
      .join('; ');
    return new AppError('invalid_input', `invalid request: ${details || e.message}`, { cause: error });
  }
  if (
    e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    error instanceof SyntaxError
  )
    return new AppError('invalid_input', `malformed JSON body: ${e.message}`, { cause: error });
  if (e.code === 'FST_FILES_LIMIT')
    return new AppError('payload_too_large', 'the request holds more files than MAX_UPLOAD_FILES allows', {
      cause: error,
    });
  if (e.code === 'FST_REQ_FILE_TOO_LARGE')
    return new AppError('payload_too_large', 'a file is larger than MAX_UPLOAD_BYTES', { cause: error });
  if (e.code === 'FST_FIELDS_LIMIT' || e.code === 'FST_PARTS_LIMIT')
    return new AppError('payload_too_large', 'the request holds more form fields than the server accepts', {
      cause: error,
    });
  if (e.statusCode === 413)
    return new AppError(
      'payload_too_large',
      'the request body is larger than the server accepts (1 MiB; photos go in multipart uploads)',
      { cause: error },
    );
  // The multipart parser (busboy) reports a truncated or boundary-less body as a plain Error.
  if (e.statusCode === undefined && MALFORMED_MULTIPART.test(e.message ?? ''))
    return new AppError('invalid_input', `malformed multipart body: ${e.message}`, { cause: error });
  if (e.statusCode === 415 || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new AppError('invalid_input', `unsupported content type: ${e.message}`, { cause: error });
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return new AppError('invalid_input', e.message, { cause: error });
  return new AppError('internal', 'internal error', { cause: error });
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return reply.status(HTTP_STATUS[error.code]).type('application/json').send(body);
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  if (appError.code === 'internal' || appError.code === 'engine_failure')
    request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: appError.code, reason: appError.message }, 'request rejected');
  return sendError(reply, appError);
}

import type { ErrorCode } from '../core/errors.ts';
import type { Principal } from '../core/principal.ts';
import { type AuditLog, auditActorOf } from '../ports/audit-log.ts';
import type { RejectedFile } from './ingest.ts';

/** The audit action of a file refused at upload or import (nothing of it is stored but this line). */
export const UPLOAD_REJECTED = 'upload.rejected';

/** A folder import can refuse thousands of files: this many are kept per request, with a count of the rest. */
const KEPT_PER_REQUEST = 20;

export interface RejectedUpload {
  file: string;
  code: ErrorCode;
  message: string;
  at: number;
  /** Further files the same request refused, not listed one by one. */
  more: number;
}

/**
 * Keeps the files an upload or import refused in the audit log (the database every api process shares), so
 * the System page can list them after the Upload page is gone.
 */
export async function recordRejectedUploads(
  audit: AuditLog,
  actor: Principal,
  rejected: readonly RejectedFile[],
  requestId: string,
): Promise<void> {
  const kept = rejected.slice(0, KEPT_PER_REQUEST);
  for (const [i, item] of kept.entries())
    await audit.record({
      actor: auditActorOf(actor),
      action: UPLOAD_REJECTED,
      target: null,
      details: {
        file: item.file,
        code: item.error.code,
        message: item.error.message,
        requestId,
        more: i === kept.length - 1 ? rejected.length - kept.length : 0,
      },
    });
}

/** The latest refused files, newest first. */
export async function recentRejectedUploads(audit: AuditLog, limit: number): Promise<RejectedUpload[]> {
  const { entries } = await audit.list({ action: UPLOAD_REJECTED, limit });
  return entries.map((entry) => ({
    file: String(entry.details.file ?? ''),
    code: String(entry.details.code ?? 'invalid_input') as ErrorCode,
    message: String(entry.details.message ?? ''),
    at: entry.at,
    more: Number(entry.details.more ?? 0),
  }));
}

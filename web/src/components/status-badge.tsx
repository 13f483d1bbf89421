import type { ErrorInfo, ImageStatus } from '../api.ts';

const LABELS: Record<ImageStatus, string> = {
  pending: 'Pending',
  processing: 'Processing',
  processed: 'Processed',
  failed: 'Failed',
};

export function statusLabel(status: ImageStatus): string {
  return LABELS[status];
}

export function StatusBadge({ status, error }: { status: ImageStatus; error?: ErrorInfo | null }) {
  return (
    <span className="status-cell">
      <span className={`badge badge-${status}`} data-status={status}>
        {LABELS[status]}
      </span>
      {status === 'failed' && error ? (
        <span className="error-text" title={error.code}>
          {' '}
          {error.message}
        </span>
      ) : null}
    </span>
  );
}

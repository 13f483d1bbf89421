/**
 * Photos that need another round: stuck ones (the redeemer) and failed ones (the redeemer after an
 * outage, or a person's "try again"). Each gets a fresh outbox job in the same transaction.
 */
export interface ImageRecovery {
  /**
   * Redeemer: photos pending and due for more than `staleMs`, or processing with a lease expired,
   * get a fresh outbox job (and their due time moved to now). Returns their ids.
   */
  requeueStuck(now: number, staleMs: number, limit: number): Promise<string[]>;
  /**
   * Gives photos that failed for good after transient errors (attempts spent, e.g. during an outage) a new
   * round of attempts. Returns their ids.
   */
  requeueFailedRetryable(now: number, limit: number): Promise<string[]>;
  /**
   * A person asked to try one failed photo again: a fresh round of attempts and an outbox job, in one
   * transaction. Only a `failed` photo can be retried.
   */
  retryFailedImage(id: string, now: number): Promise<'queued' | 'not_failed' | 'not_found'>;
}

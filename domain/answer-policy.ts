// How long the API keeps the stored answer of a write sent with an Idempotency-Key, and how the answer
// sweep deletes the answers past it. The key itself is kept for good (a key belongs to its first
// request); only the answer, which can hold a webhook signing secret, is deleted.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const ANSWER_POLICY = {
  /** A stored answer is replayed for this long after the key's first request; then the key is refused. */
  ttlMs: 24 * HOUR,
  /** How often the Schedule runs the sweep: an answer outlives its 24 hours by at most about this. */
  sweepEveryMs: HOUR,
  /** Rows per statement: one short transaction that holds few row locks while API requests read keys. */
  batch: 500,
  /** Statements per sweep: 10,000 answers an hour; more waits for the next run rather than one long pass. */
  maxBatches: 20,
} as const;

// Read-your-writes over a projected read model: a contract's commands are answered by its workflow and
// stored in PostgreSQL just behind (workflows/projection.ts). A read that names the seq it must include
// (the Contract-Seq of an answer, sent back as `Contract-Min-Seq` or `?minSeq=`) waits, bounded, until the
// contract's row has it; past the bound it is 503 with Retry-After, never a stale answer.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { INT4_MAX } from '../domain/fields.js';
import { HttpProblem } from './problem.js';

export const SEQ_WAIT = {
  /** A healthy projection is one batch behind (tens of milliseconds); past this it is failing, and the caller hears so. */
  boundMs: 5_000,
  /** Polls of the contract's row: soon, then doubling, capped (one indexed read each). */
  firstPollMs: 5,
  maxPollMs: 100,
  /** Seconds a caller waits before reading again after a 503. */
  retryAfterS: 1,
} as const;

/**
 * A command's answer waits longer for its own write than a read does: the command is already applied, and
 * a 503 would send the caller into a retry; this stays inside the API's command deadline (15 s by default).
 */
export const ANSWER_WAIT_MS = 10_000;

/** The header a client sends back: the highest Contract-Seq it saw for the contract. */
export const MIN_SEQ_HEADER = 'Contract-Min-Seq';
/** The header every answer about one contract carries: the seq the answer includes. */
export const SEQ_HEADER = 'Contract-Seq';

export const minSeqSchema = z.string().regex(/^\d{1,10}$/).optional().meta({
  description: 'Answer only once the contract includes this `seq` (the `Contract-Seq` of an earlier answer); waits up to 5 s, else 503. '
    + 'The `Contract-Min-Seq` header does the same; the higher of the two counts.',
});

/** The query of a read of one contract that takes nothing else. */
export const seqQuery = z.object({ minSeq: minSeqSchema }).strict();

/** The seq a read must include, from `?minSeq=` and the Contract-Min-Seq header (the higher); 400 when malformed. */
export function minSeqOf(req: Request, query: { minSeq?: string | undefined }): number | undefined {
  const header = req.get(MIN_SEQ_HEADER);
  const values = [query.minSeq, header].filter((v): v is string => v !== undefined);
  let out: number | undefined;
  for (const v of values) {
    const n = /^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : NaN;
    if (!Number.isInteger(n) || n > INT4_MAX) {
      throw new HttpProblem(400, 'INVALID_REQUEST', 'The minimum seq is malformed', `${MIN_SEQ_HEADER} and minSeq are digits, at most ${INT4_MAX}`);
    }
    out = Math.max(out ?? 0, n);
  }
  return out;
}

/** Waits until the contract's stored seq reaches `seq`; 503 PROJECTION_BEHIND past the bound. */
export async function waitForSeq(db: Db, contractId: string, seq: number, boundMs: number = SEQ_WAIT.boundMs): Promise<void> {
  const until = Date.now() + boundMs;
  let wait: number = SEQ_WAIT.firstPollMs;
  for (;;) {
    const rows = await db.$queryRaw<{ seq: number }[]>`SELECT seq FROM contracts WHERE id = ${contractId}`;
    if ((rows[0]?.seq ?? 0) >= seq) return;
    if (Date.now() + wait > until) {
      throw new HttpProblem(503, 'PROJECTION_BEHIND', 'The contract is not yet stored up to the seq asked for',
        `seq ${seq} is accepted but not yet in the read model; read again after Retry-After`, undefined, undefined, SEQ_WAIT.retryAfterS);
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, SEQ_WAIT.maxPollMs);
  }
}

/**
 * A read of a contract's row (with `load`) that includes `seq`: loaded, and if the projection is behind,
 * loaded again once it has the seq. Not found (or not the caller's) is answered at once, never after a
 * wait: how long a 404 takes tells nothing about a contract. Sets Contract-Seq from what was read.
 */
export async function readAtLeast<R extends { seq: number } | null>(
  db: Db, res: Response, contractId: string, seq: number | undefined, load: () => Promise<R>,
): Promise<R> {
  let row = await load();
  if (row && seq !== undefined && row.seq < seq) {
    await waitForSeq(db, contractId, seq);
    row = await load();
  }
  if (row) res.setHeader(SEQ_HEADER, String(row.seq));
  return row;
}

/**
 * A command's answer: its own write, which the projection stores just behind the Update's answer. Waits
 * first (one indexed read when it is there already, a few short polls when it is a batch behind), then
 * loads the view once. Sets Contract-Seq.
 */
export async function answerAtLeast<R extends { seq: number } | null>(
  db: Db, res: Response, contractId: string, seq: number | undefined, load: () => Promise<R>,
): Promise<R> {
  if (seq !== undefined && seq > 0) await waitForSeq(db, contractId, seq, ANSWER_WAIT_MS);
  const row = await load();
  if (row) res.setHeader(SEQ_HEADER, String(row.seq));
  return row;
}

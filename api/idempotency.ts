// Idempotency-Key on writes, after the IETF draft "The Idempotency-Key HTTP Header Field" and Stripe:
// the same key and request replay the stored answer; the same key with another request → 422; a
// request while the first with that key is still running → 409. Nothing is answered for a request that
// failed validation or met an outage (5xx): the same request may simply be retried. A key belongs to
// its first request for good: its answer is kept 24 hours, after which the key is refused (422
// IDEMPOTENCY_KEY_EXPIRED) rather than run again, because it is also the Temporal update id and the
// contract id of a create — a second request under it would be answered with the first one's outcome.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import { ANSWER_POLICY } from '../domain/answer-policy.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './deadline.js';
import { problemBody, toProblem } from './errors.js';
import { HttpProblem } from './problem.js';

/** How long a stored answer is kept and replayed; the answer sweep deletes it after this, the key stays refused. */
export const IDEMPOTENCY_TTL_MS = ANSWER_POLICY.ttlMs;
/**
 * A claim older than this was left by an API process that died mid-request: a retry takes it over. Twice
 * the command deadline, which bounds a request's Update (its few reads are bounded by the pool's
 * timeouts). Not minutes: a client retrying after an API restart waited two minutes on 409s.
 * Taking over a request that is in fact still running is harmless: the key is the update id, answered once.
 */
const ABANDONED_AFTER_MS = 2 * DEFAULT_COMMAND_TIMEOUT_MS;
const KEY = /^[\x21-\x7e]{1,255}$/;

/** Seconds before retrying a key whose first request is still running: most commands take well under one. */
const IN_PROGRESS_RETRY_AFTER_S = 1;

const inProgress = () => new HttpProblem(409, 'IDEMPOTENCY_REQUEST_IN_PROGRESS',
  'A request with this Idempotency-Key is still being processed', 'retry shortly with the same key', undefined, undefined, IN_PROGRESS_RETRY_AFTER_S);

/** A stored answer; `B` is the route's response body type (api/responses.ts). */
export interface Answer<B = unknown> {
  status: number;
  body: B;
  /** `work` stored it itself, in the transaction of its own write (storeAnswer). */
  stored?: boolean;
}

/**
 * For work whose write must commit with its answer: a write that commits while its answer is lost (a
 * dropped connection, a failed store) would be done again by the retry that takes the key over. Webhook
 * secrets are such writes; Temporal commands need not be (the key is also their update id).
 */
export async function storeAnswer(tx: Prisma.TransactionClient, userId: string, key: string, answer: Answer): Promise<void> {
  await tx.idempotencyKey.update({
    where: { userId_key: { userId, key } },
    data: { state: 'done', responseStatus: answer.status, responseBody: answer.body as object },
  });
}

export function requireKey(req: Request): string {
  const key = req.get('idempotency-key');
  if (!key) {
    throw new HttpProblem(400, 'IDEMPOTENCY_KEY_REQUIRED', 'An Idempotency-Key header is required on this request',
      'send a unique key (a UUID) and reuse it when you retry, so a retry never moves money twice');
  }
  if (!KEY.test(key)) throw new HttpProblem(400, 'IDEMPOTENCY_KEY_INVALID', 'The Idempotency-Key is 1–255 printable ASCII characters');
  return key;
}

export const requestHash = (req: Request, body: unknown): string =>
  createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(body ?? null)}`).digest('hex');

const expiredKey = () => new HttpProblem(422, 'IDEMPOTENCY_KEY_EXPIRED', 'This Idempotency-Key is more than 24 hours old',
  'its answer is no longer kept and a key is never used for a second request; check the outcome (GET), then use a new key');

/**
 * Runs `work` once per (user, key). `work` must return the answer to store; a thrown HttpProblem with a
 * 4xx status is stored too (the same request would be refused the same way), anything else is not.
 */
export async function once<B>(db: Db, req: Request, res: Response, key: string, hash: string, work: () => Promise<Answer<B>>,
  /** Rebuilds a stored success before it is sent again (a webhook secret is stored as its digest, never itself). */
  replay?: (stored: unknown) => Promise<unknown>): Promise<void> {
  const userId = res.locals.user.id;
  // One round trip for a new key; a known key claims nothing and is judged below.
  const claimed = await db.$executeRaw`
    INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES (${userId}, ${key}, ${hash})
    ON CONFLICT (user_id, key) DO NOTHING`;
  if (claimed === 1) return run(db, req, res, userId, key, work);
  const prior = await db.idempotencyKey.findUnique({ where: { userId_key: { userId, key } } });
  if (!prior) throw inProgress();
  if (prior.requestHash !== hash) {
    throw new HttpProblem(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request', 'use a new key for a new request');
  }
  if (prior.state === 'expired' || prior.createdAt.getTime() < Date.now() - IDEMPOTENCY_TTL_MS) throw expiredKey();
  if (prior.state === 'done') {
    const body = replay && prior.responseStatus! < 400 ? await replay(prior.responseBody) : prior.responseBody;
    res.setHeader('Idempotent-Replayed', 'true');
    res.status(prior.responseStatus!);
    if (prior.responseStatus! >= 400) res.type('application/problem+json').removeHeader('Location');
    res.json(body);
    return;
  }
  // `retry`: the first attempt met an outage, so the same request runs again. `in_progress` older than
  // ABANDONED_AFTER_MS: left by a process that died mid-request. Either is safe to run again, because the
  // key is also the Temporal update id (answered once). The conditional update lets one taker win.
  const claimedAt = prior.claimedAt ?? prior.createdAt;
  const abandoned = prior.state === 'in_progress' && claimedAt.getTime() < Date.now() - ABANDONED_AFTER_MS;
  if (prior.state !== 'retry' && !abandoned) throw inProgress();
  const taken = await db.idempotencyKey.updateMany({
    where: { userId, key, state: prior.state, claimedAt: prior.claimedAt }, data: { state: 'in_progress', claimedAt: new Date() },
  });
  if (taken.count === 0) throw inProgress();
  return run(db, req, res, userId, key, work);
}

async function run<B>(db: Db, req: Request, res: Response, userId: string, key: string, work: () => Promise<Answer<B>>): Promise<void> {
  let answer: Answer<B>;
  try {
    answer = await work();
  } catch (err) {
    const problem = toProblem(err);
    if (problem.status >= 400 && problem.status < 500 && problem.status !== 429) {
      // A refusal by the rules is an answer too: the same request would be refused the same way.
      await storeAnswer(db, userId, key, { status: problem.status, body: problemBody(problem, req, res) });
    } else {
      // An outage: the same request may run again; the key stays bound to it (another request → 422).
      await db.idempotencyKey.updateMany({ where: { userId, key, state: 'in_progress' }, data: { state: 'retry' } });
    }
    throw problem;
  }
  if (!answer.stored) await storeAnswer(db, userId, key, answer);
  res.status(answer.status).json(answer.body);
}


// What the operators' endpoints cost and who may read them. /readyz checks PostgreSQL and Temporal at most
// once per READY_CACHE_MS however often it is asked (concurrent asks share one check), so it cannot be used
// to load either. /metrics (heap, versions, traffic) answers only the bearer of METRICS_TOKEN.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import { HttpProblem } from './problem.js';

/** A load balancer probing every second sees a change within two probes. */
export const READY_CACHE_MS = 1_500;
/** Each check is bounded: a server that does not answer is reported unavailable, not waited for. */
const CHECK_TIMEOUT_MS = 2_000;

export interface Readiness {
  status: 'ok' | 'unavailable';
  postgres: 'ok' | 'unavailable';
  temporal: 'ok' | 'unavailable';
}

export function cachedReadiness(db: Db, temporal: Client, cacheMs = READY_CACHE_MS): () => Promise<Readiness> {
  let last: { at: number; result: Promise<Readiness> } | undefined;
  const check = async (): Promise<Readiness> => {
    const bounded = <T>(p: Promise<T>) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
      });
      return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
    };
    const [pg, tp] = (await Promise.allSettled([bounded(db.$queryRaw`SELECT 1`), bounded(temporal.workflowService.getSystemInfo({}))]))
      .map((c) => (c.status === 'fulfilled' ? 'ok' as const : 'unavailable' as const));
    return { status: pg === 'ok' && tp === 'ok' ? 'ok' : 'unavailable', postgres: pg!, temporal: tp! };
  };
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= cacheMs) last = { at: now, result: check() };
    return last.result;
  };
}

/** Compared in constant time over digests, so neither the token nor its length leaks through timing. */
export function metricsGate(token: string | undefined): RequestHandler {
  const want = token ? createHash('sha256').update(token).digest() : undefined;
  return (req, _res, next) => {
    if (!want) return next(new HttpProblem(404, 'NOT_FOUND', 'No such route'));
    const got = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (got && timingSafeEqual(createHash('sha256').update(got).digest(), want)) return next();
    next(new HttpProblem(401, 'UNAUTHENTICATED', 'GET /metrics needs the metrics token', 'send Authorization: Bearer <METRICS_TOKEN>'));
  };
}

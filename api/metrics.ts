// The API's Prometheus metrics (prom-client), served on GET /metrics: requests by route and status with
// their durations, the latency of each Temporal Update, idempotent replays and rate-limit refusals, plus
// Node's process metrics. Two hooks only: one middleware that reads what every response already says
// (status, the Idempotent-Replayed header, 429), and one client interceptor around Temporal Updates.
import type { RequestHandler } from 'express';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { Caller } from './auth.js';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  /** First middleware of the app: observes each response when it is sent. */
  observe: RequestHandler;
  /** GET /metrics in Prometheus' text format. */
  serve: RequestHandler;
  /** On the API's Temporal client: times every Update (and update-with-start) by name and outcome. */
  updateInterceptor: WorkflowClientInterceptor;
}

// Seconds. Commands answer in tens of milliseconds on a healthy stack; the deadline (COMMAND_TIMEOUT_MS) is 15 s.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total', help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'], registers: [registry],
  });
  const durations = new Histogram({
    name: 'http_request_duration_seconds', help: 'Time from request to response sent, by method, route template and status',
    labelNames: ['method', 'route', 'status'], buckets: BUCKETS, registers: [registry],
  });
  const replays = new Counter({
    name: 'api_idempotent_replays_total', help: 'Responses replayed from a stored Idempotency-Key answer, by route',
    labelNames: ['route'], registers: [registry],
  });
  // No route label: the limits run before routing.
  const refusals = new Counter({ name: 'api_rate_limit_refusals_total', help: 'Requests refused with 429 by a rate limit', registers: [registry] });
  // Per key, never per user: a label per user id would grow without bound. The request's log line names both.
  const platformRequests = new Counter({
    name: 'api_platform_key_requests_total',
    help: 'Requests authenticated with a platform key, by key id, whether it acted for a user (On-Behalf-Of), and status class',
    labelNames: ['platform_key', 'on_behalf_of', 'status_class'], registers: [registry],
  });
  const updates = new Histogram({
    name: 'temporal_update_duration_seconds',
    help: 'Temporal UpdateWorkflowExecution calls (to the Update\'s outcome), by update name and outcome',
    labelNames: ['update', 'outcome'], buckets: BUCKETS, registers: [registry],
  });

  const observe: RequestHandler = (req, res, next) => {
    const end = durations.startTimer();
    res.once('finish', () => {
      // The route template, never the raw path: ids in paths would make a label value per contract. A request
      // answered before routing (401, 415, 429, a malformed body) is 'middleware'; a 404 is 'unmatched'.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? 'unmatched' : 'middleware';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      end(labels);
      if (res.getHeader('idempotent-replayed') === 'true') replays.inc({ route });
      if (res.statusCode === 429) refusals.inc();
      const caller = res.locals.caller as Caller | undefined;
      if (caller?.kind === 'platform') {
        platformRequests.inc({ platform_key: caller.keyId, on_behalf_of: caller.onBehalfOf ? 'user' : 'none', status_class: `${String(res.statusCode)[0]}xx` });
      }
    });
    next();
  };

  const serve: RequestHandler = async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  };

  type Outcome = { failure?: unknown } | null | undefined;
  const timed = async <T>(update: string, call: () => Promise<T>, outcomeOf: (out: T) => Outcome): Promise<T> => {
    const end = updates.startTimer({ update });
    try {
      const out = await call();
      const outcome = outcomeOf(out);
      // No outcome yet: the server answered before the Update completed (its long poll ended first) and the
      // client polls on outside this call; the time recorded is the first call's, already a long one.
      end({ outcome: !outcome ? 'accepted' : outcome.failure ? 'failed' : 'completed' });
      return out;
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  };
  const updateInterceptor: WorkflowClientInterceptor = {
    startUpdate: (input, next) => timed(input.updateName, () => next(input), (o) => o.outcome),
    startUpdateWithStart: (input, next) => timed(input.updateName, () => next(input), (o) => o.updateOutcome),
  };

  return { registry, observe, serve, updateInterceptor };
}

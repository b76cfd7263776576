// Declares a route once: the spec feeds OpenAPI, the handler receives the zod-parsed params, query and
// body (Express 5 makes req.query read-only, so parsed values are passed explicitly) and answers with
// `reply`, whose body type is the route's response schema: a view that drifts from the document fails
// the typecheck. A known path with another method is 405 with `Allow`.
import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import type { RouteSpec } from './openapi.js';
import { HttpProblem } from './problem.js';
import { authorize } from './access.js';

type Infer<T, Else> = T extends z.ZodType ? z.output<T> : Else;

export interface Parsed<S extends RouteSpec> {
  params: Infer<S['params'], Record<string, never>>;
  query: Infer<S['query'], Record<string, never>>;
  body: Infer<S['body'], undefined>;
}

/** The route's success body, as a view builds it (the schema's input: what JSON.stringify sends). */
export type Body<S extends RouteSpec> = z.input<S['response']>;

export interface Ctx<S extends RouteSpec> {
  req: Request;
  res: Response;
  /** Sends the route's success status (or `status`) with a body of the route's response type. */
  reply: (body: Body<S>, status?: number) => void;
}

/** A route that declares no query parameters takes none: an unknown one is 400, as on lists, never ignored. */
const NO_QUERY = z.object({}).strict();

export class Router {
  readonly routes: RouteSpec[] = [];
  private readonly methods = new Map<string, Set<string>>();
  constructor(private readonly app: Express) {}

  add<const S extends RouteSpec>(spec: S, handler: (input: Parsed<S>, ctx: Ctx<S>) => Promise<void>): void {
    this.routes.push(spec);
    const allowed = this.methods.get(spec.path) ?? new Set<string>();
    this.methods.set(spec.path, allowed.add(spec.method.toUpperCase()));
    this.app[spec.method](spec.path, async (req, res) => {
      authorize(spec.access ?? 'party', spec.method, res.locals.caller, res.locals.user);
      const parsed: Parsed<S> = {
        params: spec.params ? spec.params.parse(req.params) : {},
        query: (spec.query ?? NO_QUERY).parse(req.query),
        // An empty POST (no JSON body) counts as {}.
        body: spec.body ? spec.body.parse(req.body ?? {}) : undefined,
      } as Parsed<S>;
      const reply = (body: Body<S>, status: number = spec.success) => {
        if (status === 204) res.status(204).end();
        else res.status(status).json(body);
      };
      await handler(parsed, { req, res, reply });
    });
  }

  /** After the last route: any other method on a known path is 405 with `Allow` (GET implies HEAD). */
  finish(): void {
    for (const [path, methods] of this.methods) {
      const allow = ['GET', 'HEAD', 'POST', 'DELETE'].filter((m) => methods.has(m) || (m === 'HEAD' && methods.has('GET'))).join(', ');
      this.app.all(path, (req, res) => {
        res.setHeader('Allow', allow);
        throw new HttpProblem(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, `allowed: ${allow}`);
      });
    }
  }
}

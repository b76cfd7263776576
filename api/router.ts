// Declares a route once: the spec feeds OpenAPI, and the handler receives the zod-parsed params, query
// and body (Express 5 makes req.query read-only, so parsed values are passed explicitly).
import type { Express, Request, Response } from 'express';
import type { z } from 'zod';
import type { RouteSpec } from './openapi.js';

export interface Parsed<S extends RouteSpec> {
  params: S['params'] extends z.ZodObject ? z.infer<S['params']> : Record<string, never>;
  query: S['query'] extends z.ZodObject ? z.infer<S['query']> : Record<string, never>;
  body: S['body'] extends z.ZodType ? z.infer<S['body']> : undefined;
}

export class Router {
  readonly routes: RouteSpec[] = [];
  constructor(private readonly app: Express) {}

  add<S extends RouteSpec>(spec: S, handler: (input: Parsed<S>, req: Request, res: Response) => Promise<void>): void {
    this.routes.push(spec);
    this.app[spec.method](spec.path, async (req, res) => {
      const params = spec.params ? spec.params.parse(req.params) : {};
      const query = spec.query ? spec.query.parse(req.query) : {};
      // An empty POST (no JSON body) counts as {}.
      const body = spec.body ? spec.body.parse(req.body ?? {}) : undefined;
      await handler({ params, query, body } as Parsed<S>, req, res);
    });
  }
}

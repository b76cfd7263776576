// Every route × every kind of caller, generated from the app's own route list (a new route is swept the
// day it is added): a client, a freelancer, a stranger, an operator, platform keys with each scope alone and
// with all of them — acting for nobody, for a member, for the platform's operator — and a key of another
// platform. The expected answer is restated here from the written policy (docs/api.md, "Who may call
// what"), not computed by the code under test: a route that lets the wrong caller through fails.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import type { RouteSpec } from '../../api/openapi.js';
import type { IssuedUser } from '../../api/users.js';
import { PLATFORM_KEY_SCOPES, type PlatformKeyScope } from '../../domain/identity-schemas.js';
import { createContract, http } from '../support/http.js';
import { newOperator, newPlatform } from '../support/platform.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
let routes: RouteSpec[];

/** What the access layer must answer: a refusal with this status and code, or let the request through. */
type Expected = { refused: number; code: string } | 'through' | 'nothing-revealed';
type Access = NonNullable<RouteSpec['access']>;

interface Caller {
  name: string;
  token: string;
  onBehalfOf?: string;
  expect(route: RouteSpec): Expected;
}

const AUTHZ_CODES = new Set(['OPERATOR_ONLY', 'SCOPE_MISSING', 'ON_BEHALF_OF_REQUIRED', 'ON_BEHALF_OF_UNKNOWN']);
const access = (r: RouteSpec): Access => r.access ?? 'party';
const operatorOnly = { refused: 403, code: 'OPERATOR_ONLY' };
const scopeMissing = { refused: 403, code: 'SCOPE_MISSING' };

/** A member's token: party routes are theirs; operator, users and platform routes are not. */
const member = (name: string, token: string, opts: { stranger?: boolean; onBehalfOf?: string } = {}): Caller => ({
  name, token, ...(opts.onBehalfOf ? { onBehalfOf: opts.onBehalfOf } : {}),
  expect: (r) => {
    if (access(r) !== 'party') return operatorOnly;
    // Someone else's contract: 404 (or 400 for a malformed body, judged before any lookup), never its state.
    return opts.stranger && r.path.startsWith('/contracts/:id') ? 'nothing-revealed' : 'through';
  },
});

let ctx: { contractId: string; subjectId: string; platformId: string; client: IssuedUser; callers: Caller[] };

beforeAll(async () => {
  stack = await startStack();
  call = http(stack.baseUrl);
  routes = buildApi({ db: stack.db, temporal: stack.client }).routes;
  const platform = await newPlatform(stack.db);
  const other = await newPlatform(stack.db);
  const [client, freelancer, stranger, platformOperator, subject, operator] = await Promise.all([
    platform.member('Client'), platform.member('Freelancer'), platform.member('Stranger'), platform.operator(), platform.member('Subject'),
    newOperator(stack.db),
  ]);
  const contractId = await createContract(stack.baseUrl, client.token, freelancer, [5000, 6000]);
  const callers: Caller[] = [
    member('client', client.token),
    member('freelancer', freelancer.token),
    member('stranger', stranger.token, { stranger: true }),
    { name: 'operator', token: operator.token, expect: () => 'through' },
  ];
  const scopeSets: PlatformKeyScope[][] = [...PLATFORM_KEY_SCOPES.map((s) => [s]), [...PLATFORM_KEY_SCOPES]];
  for (const scopes of scopeSets) {
    const { key } = await platform.key(scopes);
    const has = (s: PlatformKeyScope) => scopes.includes(s);
    const label = `key[${scopes.join(',')}]`;
    callers.push({
      name: `${label} for nobody`, token: key,
      expect: (r) => {
        if (access(r) === 'platforms') return operatorOnly;
        if (access(r) !== 'users') return { refused: 403, code: 'ON_BEHALF_OF_REQUIRED' };
        const reads = r.method === 'get';
        return has('users:write') || (reads && has('users:read')) ? 'through' : scopeMissing;
      },
    });
    callers.push({
      name: `${label} for a member`, token: key, onBehalfOf: client.id,
      expect: (r) => {
        if (access(r) === 'platforms') return operatorOnly;
        if (!has('contracts:act')) return scopeMissing;
        return access(r) === 'party' ? 'through' : operatorOnly;
      },
    });
    callers.push({
      name: `${label} for its operator`, token: key, onBehalfOf: platformOperator.id,
      expect: (r) => (access(r) === 'platforms' ? operatorOnly : has('operator') ? 'through' : scopeMissing),
    });
  }
  const { key: foreign } = await other.key([...PLATFORM_KEY_SCOPES]);
  callers.push({ name: 'another platform\'s key for our member', token: foreign, onBehalfOf: client.id,
    expect: () => ({ refused: 403, code: 'ON_BEHALF_OF_UNKNOWN' }) });
  ctx = { contractId, subjectId: subject.id, platformId: platform.id, client, callers };
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

/** A concrete path: the contract for contract routes, the subject for user routes, fakes elsewhere. */
function pathOf(r: RouteSpec): string {
  return r.path.replace(/:(\w+)/g, (_m, name: string) => {
    if (name === 'id' && r.path.startsWith('/contracts/')) return ctx.contractId;
    if (name === 'id' && r.path.startsWith('/operator/contracts/')) return ctx.contractId;
    if (name === 'id' && r.path.startsWith('/users/')) return ctx.subjectId;
    if (name === 'id' && r.path.startsWith('/platforms/')) return ctx.platformId;
    if (name === 'id' && r.path.startsWith('/messages/')) return '999999999';
    if (name === 'id' && r.path.startsWith('/webhook-endpoints/')) return `we_${randomUUID()}`;
    return randomUUID();
  });
}

describe('authorization sweep', () => {
  it('covers every route the app serves, each with a declared access', () => {
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) expect(['party', 'operator', 'users', 'platforms']).toContain(access(r));
    // The routes that are not a party's are declared so; a new one left undeclared would sweep as `party`.
    expect(routes.filter((r) => r.path.startsWith('/operator/')).every((r) => access(r) === 'operator')).toBe(true);
    expect(routes.filter((r) => r.path.startsWith('/users')).every((r) => access(r) === 'users')).toBe(true);
    expect(routes.filter((r) => r.path.startsWith('/platforms')).every((r) => access(r) === 'platforms')).toBe(true);
  });

  it('answers every route × caller as the policy says: refused with its code, nothing revealed, or let through', async () => {
    const wrong: string[] = [];
    let checked = 0;
    // Four callers at a time (each one's routes in order): the sweep's ~1,000 requests in a bounded time.
    const sweep = async (caller: Caller) => {
      for (const r of routes) {
        const expected = caller.expect(r);
        const method = r.method.toUpperCase();
        const res = await call(method, pathOf(r), {
          token: caller.token, ...(method === 'POST' ? { body: {} } : {}),
          ...(caller.onBehalfOf ? { headers: { 'on-behalf-of': caller.onBehalfOf } } : {}),
        });
        checked++;
        const got = `${res.status} ${res.body?.code ?? ''}`;
        const ok = expected === 'through'
          ? res.status !== 401 && !(res.status === 403 && AUTHZ_CODES.has(res.body?.code))
          : expected === 'nothing-revealed'
            ? (res.status === 404 && res.body.code === 'NOT_FOUND') || (res.status === 400 && res.body.code === 'INVALID_REQUEST')
            : res.status === expected.refused && res.body?.code === expected.code;
        if (!ok) wrong.push(`${caller.name} ${method} ${r.path}: expected ${JSON.stringify(expected)}, got ${got}`);
      }
    };
    for (let i = 0; i < ctx.callers.length; i += 4) await Promise.all(ctx.callers.slice(i, i + 4).map(sweep));
    expect(wrong).toEqual([]);
    expect(checked).toBe(ctx.callers.length * routes.length);
  }, 600_000);
});

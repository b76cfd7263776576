// Who may call a route, decided once per route from its declared `access` before its handler runs (the
// handler then decides per contract or per user, as before). A platform key acting for a user (On-Behalf-Of)
// may do exactly what that user may do, within the key's scopes; acting for nobody, it may manage its own
// platform's users only. Keys are managed by operators with their own credentials, never by a key. Runs
// before the request's parameters and body are parsed, so a refused caller learns nothing from validation.
import type { Caller, AuthedUser } from './auth.js';
import { ON_BEHALF_OF } from './auth.js';
import { HttpProblem } from './problem.js';
import type { PlatformKeyScope } from '../domain/identity-schemas.js';

/**
 * `party`: contracts, commands, messages, webhook endpoints (a member acts for itself); `operator`: the
 * operator routes (the handler checks the role); `users`: users and their tokens (operators, and platform
 * keys for their own users); `platforms`: platforms and their keys (an operator's own token or sign-in).
 */
export type RouteAccess = 'party' | 'operator' | 'users' | 'platforms';

/** The scope a request needs, or null when the key's scopes do not matter (the caller is not a key). */
export function requiredScope(access: RouteAccess, method: string, caller: Caller, user: AuthedUser): PlatformKeyScope | null {
  if (caller.kind !== 'platform') return null;
  if (caller.onBehalfOf) return user.role === 'operator' ? 'operator' : 'contracts:act';
  if (access === 'users') return method === 'get' ? 'users:read' : 'users:write';
  return null;
}

export function authorize(access: RouteAccess, method: string, caller: Caller, user: AuthedUser): void {
  if (caller.kind === 'platform') {
    if (access === 'platforms') {
      throw new HttpProblem(403, 'OPERATOR_ONLY', 'Only an operator may do this', 'platform keys are managed with an operator\'s own token');
    }
    if (!caller.onBehalfOf && access !== 'users') {
      throw new HttpProblem(403, 'ON_BEHALF_OF_REQUIRED', `A platform key names the user it acts for in ${ON_BEHALF_OF}`,
        'this route acts as one of your platform\'s users');
    }
    const scope = requiredScope(access, method, caller, user)!;
    // users:write includes reading.
    const held = caller.scopes.includes(scope) || (scope === 'users:read' && caller.scopes.includes('users:write'));
    if (!held) throw new HttpProblem(403, 'SCOPE_MISSING', `This key lacks the ${scope} scope`, `scopes held: ${caller.scopes.join(', ') || 'none'}`);
    if (!caller.onBehalfOf) return; // its own platform's users: the handler keeps it to them
  }
  // Before the body is read: a party's token is refused before it can learn what an operator's body looks like.
  if (access === 'operator' && user.role !== 'operator') {
    throw new HttpProblem(403, 'OPERATOR_ONLY', 'Only an operator may do this', 'use an operator token', 'R28');
  }
  if ((access === 'users' || access === 'platforms') && user.role !== 'operator') {
    throw new HttpProblem(403, 'OPERATOR_ONLY', 'Only an operator may do this', 'use an operator token, or a platform key with the users scopes');
  }
}

// Operators are parties to the record: a request they settle names them, and a pending request
// can always be ended by an audited command. Also the R16 requirement that an answer names its version.
import type { RequestOutcome } from './change-request.js';
import { type Command, VERSIONED_ANSWERS } from './commands.js';
import { refuse } from './errors.js';
import { assertId, assertText, isId } from './fields.js';
import type { Decision, RequestSignal, Transition } from './transition.js';
import type { ContractState } from './contract.js';
import { assertReadable } from './visible-text.js';

/** `resolveRequest`, sent by an operator with the Temporal CLI or UI (docs/operations.md, "Runbook"). */
export interface ResolveRequestArgs {
  requestId: string;
  /** approved applies the request as if its party had approved it; canceled ends it with nothing applied. */
  outcome: 'approved' | 'rejected' | 'canceled';
  operatorId: string;
  reason: string;
}

export const RESOLUTION_OUTCOMES = ['approved', 'rejected', 'canceled'] as const satisfies readonly RequestOutcome[];
export const REASON_MAX = 500;

/** The signal that closes a request's workflow once an operator settled it. */
export const CLOSE_SIGNAL: Record<ResolveRequestArgs['outcome'], RequestSignal> = {
  approved: 'approve',
  rejected: 'reject',
  canceled: 'withdraw',
};

/** How the audit trail and notices name an operator; a signal sent without an id is still marked. */
export const operatorActor = (operatorId: string | undefined): string => (operatorId ? `operator:${operatorId}` : 'operator (unnamed)');

/** How the contract names the sender when it forwards a decision to a request's workflow (its inverse). */
export const signalSender = (actor: string): { actorId: string } | { operatorId: string } =>
  actor.startsWith('operator:') ? { operatorId: actor.slice('operator:'.length) } : { actorId: actor };

export function validateResolution(args: ResolveRequestArgs): void {
  assertId(args.requestId, 'requestId');
  assertId(args.operatorId, 'operatorId');
  if (!(RESOLUTION_OUTCOMES as readonly string[]).includes(args.outcome)) {
    refuse('INVALID_OUTCOME', undefined, `outcome is one of ${RESOLUTION_OUTCOMES.join(', ')}`);
  }
  assertText(args.reason, { field: 'reason', max: REASON_MAX, required: true, code: 'INVALID_REASON', rule: 'R16' });
  assertReadable(args.reason, 'reason', { code: 'INVALID_REASON', rule: 'R16', required: true }); // both parties read it
}

export const notPending = (requestId: string): never =>
  refuse('REQUEST_NOT_PENDING', undefined, `request ${requestId} is not pending`, 'conflict');

/** R16: approve, reject, accept and decline must name the version they answer. */
export function assertVersionNamed(cmd: Command): void {
  if ((VERSIONED_ANSWERS as readonly string[]).includes(cmd.type) && (cmd as { version?: number }).version === undefined) {
    refuse('VERSION_REQUIRED', 'R16', 'name the version of the request you answer (`version`, shown on the request)', 'invalid');
  }
}

/** Records who asked for the decision a transition forwards to a request's workflow. */
export function markDecider(t: Transition, actor: string): void {
  const awaited = t.effects.find((e) => e.type === 'awaitOutcome');
  if (!awaited) return;
  const req = [t.state.changeRequest, t.state.proposal].find((r) => r?.id === awaited.requestId);
  if (req) req.decidingBy = actor;
}

/** What a request's workflow reports; only the outcome is its own to say. */
export interface RequestReport {
  requestId: string;
  outcome: RequestOutcome;
  decidedBy?: string;
  reason?: string;
}

/** An operator's name as the audit trail records it: `operator:<id>` with a well-formed id. */
const isOperatorActor = (v: string): boolean => v.startsWith('operator:') && isId(v.slice('operator:'.length));

/**
 * A report as the contract keeps it: anyone with access to Temporal can send one, so its free text is cut
 * to REASON_MAX characters (a megabyte of reason would otherwise ride in the contract's records and
 * notices), and `decidedBy` is kept only when it is a well-formed id, `operator:<id>` or `system`.
 * Returns what was dropped or cut, for the caller's log line.
 */
export function boundReport(r: RequestReport): { report: RequestReport; cut: string[] } {
  const cut: string[] = [];
  const out: RequestReport = { requestId: r.requestId, outcome: r.outcome };
  if (typeof r.decidedBy === 'string' && (isId(r.decidedBy) || isOperatorActor(r.decidedBy) || r.decidedBy === 'system')) out.decidedBy = r.decidedBy;
  else if (r.decidedBy !== undefined) cut.push('decidedBy');
  if (typeof r.reason === 'string' && r.reason.length > 0) {
    const chars = Array.from(r.reason); // code points: a surrogate pair is never split
    out.reason = chars.length > REASON_MAX ? `${chars.slice(0, REASON_MAX - 1).join('')}…` : r.reason;
    if (chars.length > REASON_MAX) cut.push('reason');
  } else if (r.reason !== undefined) cut.push('reason');
  return { report: out, cut };
}

const ASKED: Partial<Record<string, RequestOutcome>> = { approve: 'approved', reject: 'rejected', withdraw: 'withdrawn' };

/**
 * Who decided a reported outcome, from what the contract knows rather than from the report's word: the
 * party or operator whose decision the contract forwarded; the system for an expiry; otherwise someone
 * signalled the request's workflow directly (UI or CLI), an operator's act, named only when the name is a
 * configured operator's (`namedOperator`, checked by the caller), else `operator (unnamed)`.
 * Returns the operator id to check when that is still to be done.
 */
export function attributeReport(s: ContractState, r: RequestReport, namedOperator?: boolean): Decision | { check: string } {
  const reason = r.reason ? { reason: r.reason } : {};
  const req = [s.changeRequest, s.proposal].find((x) => x?.id === r.requestId);
  const forwarded = req?.deciding && ASKED[req.deciding] === r.outcome;
  // States from before decidingBy existed: the contract did forward this decision, and the report carries its sender.
  const asker = forwarded ? req.decidingBy ?? r.decidedBy : undefined;
  if (asker) return { by: asker, operator: asker.startsWith('operator'), ...reason };
  if (r.outcome === 'expired') return { by: 'system', operator: false, ...reason };
  const claimed = r.decidedBy?.startsWith('operator:') ? r.decidedBy.slice('operator:'.length) : undefined;
  if (claimed !== undefined && namedOperator === undefined && isId(claimed)) return { check: claimed };
  return { by: operatorActor(namedOperator ? claimed : undefined), operator: true, ...reason };
}

// What the contract workflow hands to persistTransition for one accepted transition: the summary, the
// milestones it changed and the order, never the whole 200-milestone list. Pure; tests build records with it.
import type { TransitionRecord } from '../activities/types.js';
import type { Transition } from '../domain/commands.js';
import type { Notice } from '../domain/events.js';
import { type ContractState, changedMilestones, summarize } from '../domain/contract.js';

export function transitionRecord(
  t: Transition, command: string, actorId: string, at: string, before: ContractState | null, texts?: Record<string, string>, via?: string,
): TransitionRecord {
  const milestones = changedMilestones(before ?? undefined, t.state);
  const changed = new Set(milestones.map((m) => m.id));
  const rec: TransitionRecord = {
    contractId: t.state.id,
    seq: t.state.seq,
    command,
    actorId,
    at,
    contract: summarize(t.state),
    before: before ? summarize(before) : null,
    milestoneOrder: t.state.milestones.map((m) => m.id),
    orderChanged: !sameOrder(before?.milestones ?? [], t.state.milestones),
    milestones,
    milestonesBefore: (before?.milestones ?? []).filter((m) => changed.has(m.id)),
    ledger: t.ledger,
    notices: via ? noticesVia(t.notices, via, actorId) : t.notices,
  };
  // Only when a key sent it: records of every other command are as before, field for field.
  if (via) rec.via = via;
  if (texts && Object.keys(texts).length) rec.texts = texts;
  const opened = t.effects.find((e) => e.type === 'startRequest');
  if (opened?.type === 'startRequest') {
    const { id, kind, createdAt, expiresAt } = opened.request;
    rec.request = { id, kind, state: 'pending', createdAt, expiresAt };
  }
  if (t.closed) {
    const { id, kind, createdAt, expiresAt } = t.closed.request;
    rec.request = { id, kind, state: t.closed.outcome, createdAt, expiresAt };
  }
  return rec;
}

/** The notices of a command a platform key sent for `actorId` name both. */
export const noticesVia = (notices: Notice[], via: string, actorId: string): Notice[] =>
  notices.map((n) => ({ ...n, via: `${via} for ${actorId}` }));

const sameOrder = (a: { id: string }[], b: { id: string }[]): boolean => a.length === b.length && a.every((m, i) => m.id === b[i]!.id);

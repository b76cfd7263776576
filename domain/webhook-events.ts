// R29: the events a transition gives integrators — one per distinct notice (R24) and one per money movement
// (R10). Pure: derived from the transition record alone, so a retried persistence derives the same ids.
import type { Balances, ContractStatus, Role } from './contract.js';
import type { LedgerEntry, LedgerKind, Notice, NoticeEvent } from './events.js';
import type { FieldChange } from './milestone.js';
import { SUBJECT } from './notice-text.js';
import type { PlanDiff } from './plan.js';

export const LEDGER_KINDS: Record<LedgerKind, string> = {
  deposit: 'The client paid money in',
  fee: 'The contract initiation fee was charged (R9)',
  escrow_hold: 'Money was put in escrow for a milestone (R7)',
  release: 'Escrow was paid to the freelancer',
  escrow_return: 'Escrow went back to project funds (R8, R17)',
  refund: 'Money was paid back to the client: project funds (R23), escrow by consent (R27), a dispute\'s resolution (R28) or a closed offer (R30)',
  fee_refund: 'The initiation fee went back to the client with an offer declined, withdrawn or expired (R30)',
};

/** `contract.<notice event>` and `money.<ledger kind>`: every type an endpoint can subscribe to. */
export const WEBHOOK_EVENT_TYPES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(SUBJECT).map(([e, s]) => [`contract.${e}`, s])),
  ...Object.fromEntries(Object.entries(LEDGER_KINDS).map(([k, s]) => [`money.${k}`, s])),
};
/** Subscribes an endpoint to every type, including types added later. */
export const ALL_EVENTS = '*';

export const webhookEventId = (contractId: string, seq: number, index: number): string =>
  `evt_${contractId}_${seq}_${index}`;

/** The contract as it stands after the event's transition: what a receiver needs without calling back. */
export interface EventContract {
  id: string;
  title: string;
  status: ContractStatus;
  clientId: string;
  freelancerId: string;
  balances: Balances;
}

export interface NoticeEventData {
  contract: EventContract;
  actorId: string;
  /** Who was notified (R24): the parties this event concerns. */
  notified: Role[];
  milestoneId: string | null;
  milestoneTitle: string | null;
  changes: FieldChange[];
  diff: PlanDiff | null;
  amountCents: number | null;
  version: number | null;
  decidedBy: string | null;
  reason: string | null;
  /** `platform:<key> for <user>` when a marketplace's key sent the command for the party; absent otherwise. */
  via?: string;
  /** R30: when the offer expires unless the freelancer answers (its notices only). */
  expiresAt?: string;
}

export interface MoneyEventData {
  contract: EventContract;
  actorId: string;
  kind: LedgerKind;
  amountCents: number;
  milestoneId: string | null;
  /** The ledger entry's idempotency key (R10). */
  ledgerKey: string;
}

/** The body of one delivery (Standard Webhooks: type, timestamp, data), plus where it sits in its contract. */
export interface WebhookEvent {
  id: string;
  type: string;
  /** When the transition was accepted (workflow time), not when this delivery was sent. */
  timestamp: string;
  contractId: string;
  /** The contract's sequence number: events of one contract sort by (seq, index) into the order they happened. */
  seq: number;
  index: number;
  data: NoticeEventData | MoneyEventData;
}

export interface EventSource {
  contractId: string;
  seq: number;
  actorId: string;
  at: string;
  contract: EventContract;
  ledger: LedgerEntry[];
  notices: Notice[];
}

/** Money first (it moved as the command ran), then what the parties were told, in the transition's own order. */
export function webhookEvents(src: EventSource): WebhookEvent[] {
  const bodies: { type: string; data: NoticeEventData | MoneyEventData }[] = src.ledger.map((e) => ({
    type: `money.${e.kind}`,
    data: {
      contract: src.contract,
      actorId: src.actorId,
      kind: e.kind,
      amountCents: e.amountCents,
      milestoneId: e.milestoneId,
      ledgerKey: e.key,
    },
  }));
  // A notice to both parties is one event: it happened once.
  const seen = new Map<string, NoticeEventData>();
  for (const n of src.notices) {
    const data = noticeData(n, src);
    const same = JSON.stringify({ event: n.event, ...data, notified: [] });
    const earlier = seen.get(same);
    if (earlier) {
      earlier.notified.push(n.recipientRole);
      continue;
    }
    seen.set(same, data);
    bodies.push({ type: `contract.${n.event satisfies NoticeEvent}`, data });
  }
  return bodies.map((b, index) => ({
    id: webhookEventId(src.contractId, src.seq, index),
    type: b.type,
    timestamp: src.at,
    contractId: src.contractId,
    seq: src.seq,
    index,
    data: b.data,
  }));
}

function noticeData(n: Notice, src: EventSource): NoticeEventData {
  return {
    contract: src.contract,
    actorId: src.actorId,
    notified: [n.recipientRole],
    milestoneId: n.milestoneId,
    milestoneTitle: n.milestoneTitle,
    changes: n.changes,
    diff: n.diff,
    amountCents: n.amountCents,
    version: n.version ?? null,
    decidedBy: n.decidedBy ?? null,
    reason: n.reason ?? null,
    // Only when set: events of commands a party sent itself stay as they were, field for field.
    ...(n.via ? { via: n.via } : {}),
    ...(n.expiresAt ? { expiresAt: n.expiresAt } : {}),
  };
}

/** An endpoint subscribed to these types receives an event of this type. */
export const subscribed = (eventTypes: readonly string[], type: string): boolean =>
  eventTypes.includes(ALL_EVENTS) || eventTypes.includes(type);

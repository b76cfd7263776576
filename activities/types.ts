// The activity surface the workflows call. Workflows import this file with `import type` only.
import type { RequestKind, RequestOutcome } from '../domain/change-request.js';
import type { RequestWorkflowStatus } from './requests.js';
import type { ContractSummary } from '../domain/contract.js';
import type { HeldSweepResult } from '../webhooks/held-sweep.js';
import type { Milestone } from '../domain/milestone.js';
import type { LedgerEntry, Notice } from '../domain/events.js';

/** One accepted transition, written in one database transaction (idempotent by contract id + seq). */
export interface TransitionRecord {
  contractId: string;
  seq: number;
  command: string;
  actorId: string;
  /** A platform key that sent the command for the actor (`platform:<key>`); absent otherwise. */
  via?: string;
  at: string;
  /** The contract after the command, and before it (for the audit trail), without milestone lists. */
  contract: ContractSummary;
  before: ContractSummary | null;
  /** Milestone ids in contract order (R12), and the milestones this command added or changed. */
  milestoneOrder: string[];
  /** False when the order and the set of milestones are as before (most commands): positions stay put. */
  orderChanged?: boolean;
  milestones: Milestone[];
  /** The earlier versions of the changed milestones, for the audit trail. */
  milestonesBefore: Milestone[];
  ledger: LedgerEntry[];
  notices: Notice[];
  /** A change request or proposal opened or closed by this transition. */
  request?: { id: string; kind: RequestKind; state: 'pending' | RequestOutcome; createdAt: string; expiresAt: string | null };
  /** Reference → text for the texts this command brought in; everything else names texts by reference. */
  texts?: Record<string, string>;
}

/** A signal the rules refused, for the audit trail: written once, keyed by `id`. */
export interface RefusalRecord {
  id: string;
  contractId: string;
  signal: string;
  actorId: string;
  code: string;
  rule: string | null;
  message: string;
  payload: string;
  at: string;
}

export interface ContractActivities {
  persistTransition(record: TransitionRecord): Promise<void>;
  /** Whether a request's workflow is still open (the contract watches requests an earlier run started). */
  describeRequest(requestId: string): Promise<RequestWorkflowStatus>;
  /** Whether a user id names an operator: a signal's named sender is honoured only then. */
  isOperator(userId: string): Promise<boolean>;
  /** Records a refused signal beside the audit trail (one row, idempotent by its id). */
  recordRefusal(refusal: RefusalRecord): Promise<void>;
  /** One notice: an email and an in-app message to its recipient (R24), each exactly once. */
  deliverNotice(notice: Notice): Promise<void>;
}

/** What the notice sweep asks of PostgreSQL (workflows/notice-sweep.ts). */
export interface StaleNoticeQuery {
  /** Notices written less than this long ago are left to their contract's own delivery. */
  graceMs: number;
  /** Notices written longer ago than this are marked failed, never re-driven. */
  horizonMs: number;
  limit: number;
}

export interface NoticeSweepActivities {
  findStaleNotices(query: StaleNoticeQuery): Promise<{ notices: Notice[]; gaveUp: number }>;
}

export interface WebhookSweepActivities {
  /** Probes quiet endpoints past their circuit's opening and starts deliveries held behind a closed one. */
  sweepHeldWebhookDeliveries(): Promise<HeldSweepResult>;
}

export interface AnswerSweepActivities {
  /** Deletes at most `limit` stored answers whose key is older than `olderThanMs`; returns how many. */
  deleteExpiredAnswers(query: { olderThanMs: number; limit: number }): Promise<number>;
}

// A milestone's data and the fields that may change (R5, R11, R15).
import type { Dispute } from './disputes.js';
import type { RefundRequest } from './refunds.js';

/** R27 adds `refunded`: the escrow went back to the client in full (counts toward R2 like `released`). */
export type MilestoneState = 'pending' | 'active' | 'submitted' | 'released' | 'refunded';

export interface Milestone {
  id: string;
  title: string;
  description: string;
  /** Advisory only (R13): ISO date `YYYY-MM-DD`, or null. */
  dueDate: string | null;
  amountCents: number;
  /** Held in escrow for this milestone (R7); may be below amountCents after an approved increase (R17). */
  fundedCents: number;
  releasedCents: number;
  state: MilestoneState;
  // R25–R28; absent on milestones stored before review windows existed, which read as the defaults.
  /** R25: when the review window of submitted work ends with an automatic release; null when none runs. */
  reviewEndsAt?: string | null;
  /** R25: both parties were told a day before. */
  reviewReminded?: boolean;
  /** R26: how many times the client sent submitted work back. */
  revisionRounds?: number;
  /** R27, R28: escrow returned to the client so far (fundedCents is what is still held). */
  refundedCents?: number;
  /** R27: the client's pending refund request, waiting for the freelancer's consent. */
  refundRequest?: RefundRequest | null;
  /** R28: an open dispute freezes this milestone's money. */
  dispute?: Dispute | null;
}

/** The editable fields, for plan edits, change requests and proposals. */
export interface MilestoneFields {
  title: string;
  description: string;
  dueDate: string | null;
  amountCents: number;
}
export type MilestonePatch = Partial<MilestoneFields>;
export const EDITABLE_FIELDS = ['title', 'description', 'dueDate', 'amountCents'] as const;

/** Only the editable fields of a patch: an Update sent from the CLI or UI skips the API's schema. */
export function editableFields(patch: MilestonePatch): MilestonePatch {
  const out: Record<string, unknown> = {};
  for (const field of EDITABLE_FIELDS) if (patch[field] !== undefined) out[field] = patch[field];
  return out as MilestonePatch;
}

/** old → new for every field a patch really changes. */
export interface FieldChange {
  field: keyof MilestoneFields;
  old: string | number | null;
  new: string | number | null;
}

export function fieldChanges(before: MilestoneFields, patch: MilestonePatch): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of EDITABLE_FIELDS) {
    const next = patch[field];
    if (next !== undefined && next !== before[field]) changes.push({ field, old: before[field], new: next });
  }
  return changes;
}

/** The milestone being worked on: funded and not yet released (R6). */
export const isCurrent = (m: Pick<Milestone, 'state'>): boolean => m.state === 'active' || m.state === 'submitted';

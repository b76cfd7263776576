// A milestone's data and the fields that may change (R5, R11, R15).
export type MilestoneState = 'pending' | 'active' | 'submitted' | 'released';

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
export const isCurrent = (m: Milestone): boolean => m.state === 'active' || m.state === 'submitted';

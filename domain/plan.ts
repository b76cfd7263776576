// Planning pending milestones as one all-or-nothing batch (R11), its "Show changes" diff, and the limits
// that apply to it: only pending milestones move or change (R5, R12), at most 200 in all (R2).
import { refuse } from './errors.js';
import { LIMITS, assertDueDate, assertText } from './fields.js';
import { assertMilestoneAmount } from './money.js';
import { type FieldChange, type Milestone, type MilestoneFields, type MilestonePatch, editableFields, fieldChanges } from './milestone.js';

/** R2: released milestones count, deleted pending ones do not. */
export const MAX_MILESTONES = 200;

export type PlanOp =
  | { op: 'add'; ref?: string; title: string; description?: string; dueDate?: string | null; amountCents: number }
  | { op: 'edit'; milestoneId: string; patch: MilestonePatch }
  | { op: 'delete'; milestoneId: string }
  /** The full new order of pending milestones: existing ids and the `ref`s of milestones added in this batch. */
  | { op: 'reorder'; order: string[] };

export interface PlanDiff {
  added: { id: string; title: string; amountCents: number; position: number }[];
  edited: { id: string; title: string; changes: FieldChange[] }[];
  deleted: { id: string; title: string }[];
  moved: { id: string; title: string; from: number; to: number }[];
}

export const isEmptyDiff = (d: PlanDiff): boolean =>
  d.added.length + d.edited.length + d.deleted.length + d.moved.length === 0;

export interface PlanResult {
  milestones: Milestone[];
  diff: PlanDiff;
  nextMilestoneNo: number;
}

/** One batch (save, preview or proposal) holds at most this many operations. */
export const MAX_BATCH_OPS = 400;

/** R11, R13, R4: each editable field as the database will store it (domain/fields.ts). */
export function assertFields(f: MilestonePatch): void {
  if (f.title !== undefined) {
    assertText(f.title, { field: 'title', max: LIMITS.milestoneTitle, required: true, code: 'INVALID_TITLE', rule: 'R11' });
  }
  if (f.description !== undefined) {
    assertText(f.description, { field: 'description', max: LIMITS.description, code: 'INVALID_DESCRIPTION', rule: 'R11' });
  }
  if (f.dueDate !== undefined) assertDueDate(f.dueDate);
  if (f.amountCents !== undefined) assertMilestoneAmount(f.amountCents);
}

/** Applies a batch to the plan, or refuses it whole. Pure: returns new arrays. */
export function applyPlan(milestones: Milestone[], ops: PlanOp[], nextMilestoneNo: number): PlanResult {
  if (ops.length === 0) refuse('EMPTY_BATCH', 'R11', 'the batch has no changes');
  const fixed = milestones.filter((m) => m.state !== 'pending');
  let pending = milestones.filter((m) => m.state === 'pending').map((m) => ({ ...m }));
  const byRef = new Map<string, string>();
  const touched = new Set<string>();
  let no = nextMilestoneNo;
  const find = (id: string, moving = false): Milestone => {
    const m = pending.find((p) => p.id === id);
    if (m) return m;
    if (fixed.some((f) => f.id === id)) {
      // Moving one breaks R12 (funded and released milestones keep their place); changing one, R5.
      if (moving) {
        refuse('MILESTONE_NOT_PENDING', 'R12', `milestone ${id} is funded or released and keeps its place; a reorder lists pending milestones only`,
          'conflict');
      }
      refuse('MILESTONE_NOT_PENDING', 'R5', `milestone ${id} is funded or released; only pending milestones can be changed`, 'conflict');
    }
    return refuse('MILESTONE_NOT_FOUND', 'R11', `milestone ${id} is not in this contract`);
  };

  for (const op of ops) {
    switch (op.op) {
      case 'add': {
        const fields: MilestoneFields = {
          title: op.title,
          description: op.description ?? '',
          dueDate: op.dueDate ?? null,
          amountCents: op.amountCents,
        };
        assertFields(fields);
        const id = `m${no++}`;
        if (op.ref !== undefined) {
          if (byRef.has(op.ref)) refuse('DUPLICATE_REF', 'R11', `ref ${op.ref} is used twice in the batch`);
          byRef.set(op.ref, id);
        }
        pending.push({ id, ...fields, fundedCents: 0, releasedCents: 0, state: 'pending' });
        touched.add(id);
        break;
      }
      case 'edit': {
        const m = find(op.milestoneId);
        assertFields(op.patch);
        Object.assign(m, editableFields(op.patch));
        break;
      }
      case 'delete': {
        find(op.milestoneId);
        pending = pending.filter((p) => p.id !== op.milestoneId);
        break;
      }
      case 'reorder': {
        const order = op.order.map((id) => byRef.get(id) ?? id);
        for (const id of order) find(id, true);
        if (new Set(order).size !== order.length || order.length !== pending.length) {
          refuse('INVALID_ORDER', 'R12', 'the new order must list every pending milestone exactly once (active and released milestones keep their place)');
        }
        pending = order.map((id) => pending.find((p) => p.id === id)!);
        break;
      }
    }
  }

  const next = [...fixed, ...pending];
  if (next.length > MAX_MILESTONES) {
    refuse('MILESTONE_LIMIT', 'R2', `a contract holds at most ${MAX_MILESTONES} milestones; start a new contract for more`);
  }
  return { milestones: next, diff: diffPlan(milestones, next), nextMilestoneNo: no };
}

/** "Show changes": what a batch did, field by field (old → new), by 1-based position in the contract. */
export function diffPlan(before: Milestone[], after: Milestone[]): PlanDiff {
  const beforeById = new Map(before.map((m, i) => [m.id, { m, pos: i + 1 }]));
  const afterIds = new Set(after.map((m) => m.id));
  const diff: PlanDiff = { added: [], edited: [], deleted: [], moved: [] };
  after.forEach((m, i) => {
    const old = beforeById.get(m.id);
    if (!old) {
      diff.added.push({ id: m.id, title: m.title, amountCents: m.amountCents, position: i + 1 });
      return;
    }
    const changes = fieldChanges(old.m, m);
    if (changes.length) diff.edited.push({ id: m.id, title: m.title, changes });
  });
  for (const m of before) if (!afterIds.has(m.id)) diff.deleted.push({ id: m.id, title: m.title });
  // Moved: survivors whose order relative to the other survivors changed.
  const survivorsBefore = before.filter((m) => afterIds.has(m.id)).map((m) => m.id);
  const survivorsAfter = after.filter((m) => beforeById.has(m.id)).map((m) => m.id);
  survivorsAfter.forEach((id, i) => {
    if (survivorsBefore[i] !== id) {
      const m = after.find((x) => x.id === id)!;
      diff.moved.push({ id, title: m.title, from: beforeById.get(id)!.pos, to: after.indexOf(m) + 1 });
    }
  });
  return diff;
}

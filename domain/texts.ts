// Free text (milestone titles and descriptions) stays out of the contract workflow's state: the rules decide
// on ids, amounts, states, versions and deadlines, and compare texts only for equality. The workflow keeps a
// fixed-size reference per text (a SHA-256 prefix); PostgreSQL keeps the text under that reference, written by
// the same transaction that first stores it. Pure and bundled into workflow code: no Node built-ins.
import { hash } from 'fast-sha256';
import type { Command } from './commands.js';
import type { MilestonePatch } from './milestone.js';
import type { PlanOp } from './plan.js';

/** `txt:` and 128 bits of SHA-256 in hex: two different texts of one contract never share a reference. */
const REF = /^txt:[0-9a-f]{32}$/;
export const TEXT_REF_LENGTH = 36;

/** Reference → text, for the texts a command brings in (the persistence activity stores them). */
export type Texts = Record<string, string>;

export const isTextRef = (v: unknown): v is string => typeof v === 'string' && REF.test(v);

/** UTF-8 by hand: TextEncoder is not promised inside the workflow sandbox. */
function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

export const utf8Length = (s: string): number => utf8(s).length;

export function hexDigest(s: string, bytes: number): string {
  return Array.from(hash(utf8(s)).subarray(0, bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The reference of a text; a reference stays itself, so interning twice changes nothing. */
export function textRef(text: string): string {
  return isTextRef(text) ? text : `txt:${hexDigest(text, 16)}`;
}

/** Replaces one text by its reference and remembers the text. */
function intern(text: string, texts: Texts): string {
  if (isTextRef(text)) return text;
  const ref = textRef(text);
  texts[ref] = text;
  return ref;
}

function internPatch(patch: MilestonePatch, texts: Texts): MilestonePatch {
  if (typeof patch !== 'object' || patch === null) return patch;
  const out = { ...patch };
  if (typeof out.title === 'string') out.title = intern(out.title, texts);
  if (typeof out.description === 'string') out.description = intern(out.description, texts);
  return out;
}

function internOp(op: PlanOp, texts: Texts): PlanOp {
  if (op.op === 'add') {
    return {
      ...op,
      ...(typeof op.title === 'string' ? { title: intern(op.title, texts) } : {}),
      // An add without a description stores '': its reference, so equality with a later '' still holds.
      description: intern(typeof op.description === 'string' ? op.description : '', texts),
    };
  }
  return op.op === 'edit' ? { ...op, patch: internPatch(op.patch, texts) } : op;
}

/** An offer's milestone is an added milestone without the batch's `op`. */
function withoutOp(op: PlanOp): Omit<Extract<PlanOp, { op: 'add' }>, 'op'> {
  const { op: _op, ...rest } = op as Extract<PlanOp, { op: 'add' }>;
  return rest;
}

/** The command as the workflow decides it (texts as references) and the texts it brought in. */
export function internCommand<C extends Command>(cmd: C): { cmd: C; texts: Texts } {
  const texts: Texts = {};
  const c = cmd as Command;
  switch (c.type) {
    case 'savePlan':
    case 'previewPlan':
    case 'proposeChanges':
      return { cmd: { ...c, ops: Array.isArray(c.ops) ? c.ops.map((op) => internOp(op, texts)) : c.ops } as C, texts };
    case 'requestChange':
    case 'editChangeRequest':
      return { cmd: { ...c, patch: internPatch(c.patch, texts) } as C, texts };
    case 'editOffer': // R30: the offer's milestones as a plan's added ones
      if (!Array.isArray(c.milestones)) return { cmd, texts };
      return { cmd: { ...c, milestones: c.milestones.map((m) => withoutOp(internOp({ op: 'add', ...m }, texts))) } as C, texts };
    default:
      return { cmd, texts };
  }
}

// Text a reader can see, shown as written. A title of invisible characters only (zero-width spaces,
// joiners, bidi marks, fillers) is as blank as one of spaces, and titles are never blank (R1, R11). A bidi
// embedding, override or isolate left open (U+202E without its U+202C) reorders whatever a screen shows
// after the field — a notice, the next row of a list — so text must close what it opens within each
// paragraph; it is refused, not repaired, because repairing would change what the sender wrote.
import type { Command } from './commands.js';
import { refuse } from './errors.js';
import { isTextRef } from './texts.js';

/** Nothing a reader sees: white space, default-ignorable code points (Cf, fillers, variation selectors), controls, the braille blank. */
const INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\u2800]*$/u;

export const isVisibleText = (s: string): boolean => !INVISIBLE.test(s);

const OPENS_EMBEDDING = new Set(['\u202A', '\u202B', '\u202D', '\u202E']); // LRE, RLE, LRO, RLO
const OPENS_ISOLATE = new Set(['\u2066', '\u2067', '\u2068']); // LRI, RLI, FSI
const PARAGRAPH = /[\n\r\u0085\u2029]/;

/** Every embedding or override closed by a PDF and every isolate by a PDI, in order, within each paragraph. */
export function hasBalancedBidi(s: string): boolean {
  for (const paragraph of s.split(PARAGRAPH)) {
    const open: ('embedding' | 'isolate')[] = [];
    for (const ch of paragraph) {
      if (OPENS_EMBEDDING.has(ch)) open.push('embedding');
      else if (OPENS_ISOLATE.has(ch)) open.push('isolate');
      else if (ch === '\u202C' && open.pop() !== 'embedding') return false;
      else if (ch === '\u2069' && open.pop() !== 'isolate') return false;
    }
    if (open.length > 0) return false;
  }
  return true;
}

export interface Field {
  code: string;
  rule: string;
  /** A blank value is refused (titles, and the texts a command requires). */
  required: boolean;
}

function fieldRule(key: string, cmd: Command['type'] | 'createContract'): Field | undefined {
  switch (key) {
    case 'title':
      return { code: 'INVALID_TITLE', rule: cmd === 'createContract' ? 'R1' : 'R11', required: true };
    case 'description':
      return { code: 'INVALID_DESCRIPTION', rule: 'R11', required: false };
    case 'message':
      return { code: 'INVALID_MESSAGE', rule: 'R26', required: true };
    case 'reason':
      return { code: 'INVALID_REASON', rule: cmd === 'requestRefund' ? 'R27' : 'R28', required: cmd === 'openDispute' };
    default:
      return undefined;
  }
}

export function assertReadableText(value: string, key: string, cmd: Command['type'] | 'createContract'): void {
  const f = fieldRule(key, cmd);
  if (f) assertReadable(value, key, f);
}

/** The readable-text checks under a field's own code and rule (operator reasons name theirs). */
export function assertReadable(value: string, key: string, f: Field): void {
  if (f.required && !isVisibleText(value)) refuse(f.code, f.rule, `${key} must contain a visible character, not only spaces or invisible ones`);
  if (!hasBalancedBidi(value)) {
    refuse(f.code, f.rule, `${key} opens a right-to-left or left-to-right override, embedding or isolate it does not close (U+202C, U+2069)`);
  }
}

/** Calls `check` on every string of a command with the key it sits under. Bounded by the command's size. */
function eachText(cmd: Command, check: (value: string, key: string) => void): void {
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string') return check(v, key);
    if (Array.isArray(v)) return v.forEach((x) => walk(x, key));
    if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(cmd, '');
}

/** Checks every text field of a command, wherever it sits (plan ops, patches, messages, reasons). */
export function assertReadableTexts(cmd: Command): void {
  eachText(cmd, (v, key) => assertReadableText(v, key, cmd.type));
}

/**
 * A sender's text must not be shaped like a stored text reference (`txt:` and 32 hex digits): the workflow
 * would keep it as if it were one, skipping the length and readability checks, and readers would see
 * whatever text of the contract it names. Checked on the command as sent, before its texts become
 * references; the contract title (never a reference) is refused the same way, so no field can pose as one.
 */
export function assertNoTextRefs(cmd: Command): void {
  eachText(cmd, (v, key) => assertNotTextRef(v, key, cmd.type));
}

export function assertNotTextRef(value: string, key: string, cmd: Command['type'] | 'createContract'): void {
  const f = fieldRule(key, cmd);
  if (f && isTextRef(value)) refuse(f.code, f.rule, `${key} must not be shaped like a stored text reference (txt: and 32 hex digits)`);
}

// What PostgreSQL would refuse, refused first, so a command the API accepts can always be stored: text
// without NUL or lone surrogates, counted in characters (code points), and dates that exist. Pure
// predicates, so the API's zod schemas and the workflow's Update validators refuse the same values.
import { refuse } from './errors.js';

/** Field limits, in characters (code points): written into the OpenAPI document from here. */
export const LIMITS = {
  contractTitle: 200,
  milestoneTitle: 200,
  description: 5000,
  ref: 64,
  id: 100,
} as const;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** PostgreSQL text and jsonb refuse NUL; UTF-8 cannot encode a lone UTF-16 surrogate. */
export const isStorableText = (s: string): boolean => !s.includes('\u0000') && !LONE_SURROGATE.test(s);

/** Characters as a reader counts them (code points), not UTF-16 units: "😀" is one. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** The largest PostgreSQL `integer` (int4): sequence numbers, positions. */
export const INT4_MAX = 2_147_483_647;
export const isId = (v: unknown): v is string => typeof v === 'string' && v.length <= LIMITS.id && ID_PATTERN.test(v);

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date that exists, YYYY-MM-DD, years 1–9999 (what a PostgreSQL `date` column round-trips). */
export function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years below 100 as written
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

export interface TextRule {
  field: string;
  max: number;
  /** At least one non-space character. */
  required?: boolean;
  code: string;
  rule: string;
}

/** Refuses a value PostgreSQL would refuse or a reader would not call text of this field. */
export function assertText(value: unknown, r: TextRule): void {
  const what = r.required ? `1 to ${r.max}` : `at most ${r.max}`;
  if (typeof value !== 'string') refuse(r.code, r.rule, `${r.field} must be a string`);
  const s = value as string;
  if (!isStorableText(s)) {
    refuse(r.code, r.rule, `${r.field} must not contain NUL characters or unpaired UTF-16 surrogates`);
  }
  if (charLength(s) > r.max || (r.required && s.trim().length === 0)) refuse(r.code, r.rule, `${r.field} is ${what} characters`);
}

export function assertDueDate(value: unknown): void {
  if (value === null) return;
  if (typeof value !== 'string' || !isCalendarDate(value)) {
    refuse('INVALID_DUE_DATE', 'R13', 'a due date is a calendar date that exists, YYYY-MM-DD, years 0001–9999');
  }
}

/** Ids travel into keys, workflow ids and jsonb: the same pattern as the API's path ids. */
export function assertId(value: unknown, field: string): void {
  if (!isId(value)) refuse('INVALID_ID', undefined, `${field} is 1 to ${LIMITS.id} letters, digits, _ . or -`);
}

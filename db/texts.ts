// Texts by reference (domain/texts.ts): stored once per contract, read back to turn the workflow's lean
// records into what people read. A reference not yet here (a state carried over from a run that kept texts
// inline) is found among the texts PostgreSQL already holds for the contract and added.
import type { Prisma } from '../generated/prisma/client.js';
import { type Texts, isTextRef, textRef } from '../domain/texts.js';

type Tx = Pick<Prisma.TransactionClient, 'contractText' | 'milestone' | 'changeRequest'>;

/** Every reference in a JSON value. */
export function refsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (isTextRef(value)) out.add(value);
  else if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => refsIn(v, out));
  return out;
}

/** Every string in a JSON value (texts of requests stored before references). */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => stringsIn(v, out));
  return out;
}

/** Keys whose string values are texts the workflow may hold by reference (milestones, patches, ops, diffs, notices). */
const TEXT_KEYS = new Set(['title', 'description', 'milestoneTitle']);
/** A field change's old and new values are texts only when the field it names is one. */
const TEXT_FIELDS = new Set(['title', 'description']);

/**
 * A copy of `value` with every known reference in a text field replaced by its text; unknown ones stay as
 * they are. Only text fields: a message, a reason or an id that happens to look like a reference is the
 * sender's own words and is shown as written, never as another text of the contract.
 */
export function withTexts<T>(value: T, texts: ReadonlyMap<string, string>): T {
  const text = (v: unknown): unknown => (isTextRef(v) ? texts.get(v) ?? v : v);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const change = typeof o.field === 'string' && TEXT_FIELDS.has(o.field);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => {
      if (typeof x === 'string') return [k, TEXT_KEYS.has(k) || (change && (k === 'old' || k === 'new')) ? text(x) : x];
      return [k, walk(x)];
    }));
  };
  return walk(value) as T;
}

/** Stores the texts a command brought in (each once per contract). */
export async function storeTexts(tx: Tx, contractId: string, texts: Texts | undefined): Promise<void> {
  const rows = Object.entries(texts ?? {}).map(([ref, text]) => ({ contractId, ref, text }));
  if (rows.length) await tx.contractText.createMany({ data: rows, skipDuplicates: true });
}

/** The texts of every reference in `values`, from the texts table, else from the contract's stored rows. */
export async function loadTexts(tx: Tx, contractId: string, ...values: unknown[]): Promise<Map<string, string>> {
  const wanted = refsIn(values);
  const found = new Map<string, string>();
  if (!wanted.size) return found;
  const rows = await tx.contractText.findMany({ where: { contractId, ref: { in: [...wanted] } }, select: { ref: true, text: true } });
  for (const r of rows) found.set(r.ref, r.text);
  const missing = [...wanted].filter((r) => !found.has(r));
  if (missing.length) await backfill(tx, contractId, new Set(missing), found);
  return found;
}

/** Texts stored before references existed: milestone rows and request rows hold them inline. */
async function backfill(tx: Tx, contractId: string, missing: Set<string>, found: Map<string, string>): Promise<void> {
  const [milestones, requests] = await Promise.all([
    tx.milestone.findMany({ where: { contractId }, select: { title: true, description: true } }),
    tx.changeRequest.findMany({ where: { contractId }, select: { changes: true, ops: true, diff: true } }),
  ]);
  const candidates = [...milestones.flatMap((m) => [m.title, m.description]), ...requests.flatMap((r) => stringsIn([r.changes, r.ops, r.diff]))];
  const added: { contractId: string; ref: string; text: string }[] = [];
  for (const text of candidates) {
    const ref = textRef(text);
    if (!missing.has(ref) || found.has(ref)) continue;
    found.set(ref, text);
    added.push({ contractId, ref, text });
  }
  if (added.length) await tx.contractText.createMany({ data: added, skipDuplicates: true });
}

// A command's answer from what its Update returned. The workflow answers with the state it adopted (the
// summary, and the milestones changed since seq `base`), and the read model's rows at `base` hold the rest,
// so the answer is the caller's view (db/read-model.ts) of the rows the projection is about to store: byte
// for byte what a read at the same seq returns, without waiting for the write. It waits, bounded, only when
// the rows are not at `base` (commands back to back, a decision whose outcome followed it) or a text the
// answer names is not stored yet; then it answers from the read model once it holds the command's seq.
import type { Response } from 'express';
import type { Db } from '../db/client.js';
import { contractRow, milestoneRow, requestRow } from '../db/projected-rows.js';
import type { ContractRow } from '../db/read-model.js';
import { loadTexts, refsIn, withTexts } from '../db/texts.js';
import type { PendingRequest } from '../domain/contract.js';
import { type Texts, textRef } from '../domain/texts.js';
import type { CommandResult } from '../workflows/messages.js';
import { ANSWER_WAIT_MS, SEQ_HEADER, answerAtLeast, waitForSeq } from './projection-wait.js';

export interface AnswerInput {
  db: Db;
  res: Response;
  contractId: string;
  /** The Update's result; empty when only its outcome is known (a decision settled after a lost answer). */
  result: Partial<CommandResult>;
  /** The caller's view of the contract's rows: one statement (relation joins), so one snapshot. */
  load: () => Promise<ContractRow | null>;
  /** The same rows read before the Update was sent (the party check): used when they are at `base`, saving a read. */
  before?: ContractRow | null | undefined;
  /** The texts this command brought in, by reference (domain/texts.ts, internCommand). */
  texts?: Texts | undefined;
}

/** The contract's rows to answer with (null: not the caller's), and the result's diff with its texts. */
export interface Answered {
  row: ContractRow | null;
  diff?: CommandResult['diff'];
}

/** Sets Contract-Seq to the seq the answer includes. */
export async function answerFromResult(input: AnswerInput): Promise<Answered> {
  const { db, contractId, result, load } = input;
  const seq = result.contract?.seq;
  if (seq === undefined || result.base === undefined || result.at === undefined) return fromReadModel(input, seq);
  // Rows read before the Update are the state at `base` if nothing was stored in between; not for a contract
  // with a payment provider, whose Update may have written a pending charge's row meanwhile.
  const reuse = input.before && input.before.seq === result.base && !result.contract!.payments;
  let row = reuse ? input.before! : await load();
  if (!row || row.seq < result.base) {
    // The read model is behind the state this command started from (an earlier command's write is under way).
    await waitForSeq(db, contractId, result.base, ANSWER_WAIT_MS);
    row = await load();
  }
  if (!row || row.seq >= seq || row.seq !== result.base) return fromReadModel(input, seq, row);
  const built = await fromResult(input, row);
  if (!built) return fromReadModel(input, seq);
  input.res.setHeader(SEQ_HEADER, String(seq));
  return built;
}

/** The read model once it holds `seq` (the rows already read, when they do): the path of answers without a base. */
async function fromReadModel(input: AnswerInput, seq: number | undefined, row?: ContractRow | null): Promise<Answered> {
  const { db, res, contractId, result, load } = input;
  const fresh = row && seq !== undefined && row.seq >= seq ? row : await answerAtLeast(db, res, contractId, seq, load);
  if (fresh === row && row) res.setHeader(SEQ_HEADER, String(row.seq));
  if (!result.diff) return { row: fresh };
  const texts = await textsFor(db, contractId, [result.diff], input.texts ?? {});
  return { row: fresh, diff: withTexts(result.diff, texts) };
}

/**
 * The rows at the result's seq: the stored rows at `base` with the result's summary, milestones, order and
 * requests in place of theirs. Undefined when the two do not fit together, or a text is not stored yet.
 */
async function fromResult(input: AnswerInput, stored: ContractRow): Promise<Answered | undefined> {
  const { db, contractId, result } = input;
  const summary = result.contract!;
  const at = result.at!;
  const changed = result.milestones ?? [];
  const order = result.order ?? stored.milestones.map((m) => m.id);
  const storedById = new Map(stored.milestones.map((m) => [m.id, m]));
  // A pending request stored at its current version is the row the projection keeps; otherwise it is built.
  const storedRequest = (p: PendingRequest | null) => stored.changeRequests.find((r) => p && r.id === p.id && r.version === p.edits);
  const requests = [summary.changeRequest, summary.proposal].filter((p): p is PendingRequest => p !== null && p !== undefined);
  const toBuild = requests.filter((p) => !storedRequest(p));

  // Texts: those this command brought in, those of the stored rows it changed or removed, then the texts table.
  const known: Record<string, string> = { ...input.texts };
  const kept = new Set(order);
  const changedIds = new Set(changed.map((m) => m.id));
  for (const m of stored.milestones) {
    if (!changedIds.has(m.id) && kept.has(m.id)) continue;
    known[textRef(m.title)] = m.title;
    known[textRef(m.description)] = m.description;
  }
  const lean = [changed, toBuild, result.diff];
  const texts = await textsFor(db, contractId, lean, known);
  if ([...refsIn(lean)].some((ref) => !texts.has(ref))) return undefined;
  const full = withTexts({ changed, toBuild, diff: result.diff }, texts);

  const changedById = new Map(full.changed.map((m) => [m.id, m]));
  const milestones: ContractRow['milestones'] = [];
  for (const [i, id] of order.entries()) {
    const m = changedById.get(id);
    const row = m ? milestoneRow(contractId, m, i + 1, at) : storedById.get(id);
    if (!row) return undefined;
    milestones.push(m ? row : { ...row, position: i + 1 });
  }
  const changeRequests = requests
    .map((p) => storedRequest(p) ?? requestRow(contractId, full.toBuild.find((b) => b.id === p.id)!))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return {
    row: { ...contractRow(summary, at), milestones, changeRequests, payments: stored.payments },
    ...(full.diff ? { diff: full.diff } : {}),
  };
}

/** Reference → text for every reference in `values`: from `known`, else the contract's texts table. */
async function textsFor(db: Db, contractId: string, values: unknown[], known: Record<string, string>): Promise<Map<string, string>> {
  const refs = [...refsIn(values)];
  const texts = new Map(refs.filter((r) => known[r] !== undefined).map((r) => [r, known[r]!]));
  const missing = refs.filter((r) => !texts.has(r));
  if (missing.length) for (const [ref, text] of await loadTexts(db, contractId, missing)) texts.set(ref, text);
  return texts;
}

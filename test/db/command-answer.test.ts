// A command's answer built from its Update's result and the rows at the seq the command started from
// (api/command-answer.ts), against real PostgreSQL and the projection's own writer: built while the
// command's record is not yet stored, it is the view the read model gives once it is, for every kind of
// command; it waits, bounded, only when the rows are behind that seq or a text it names is not stored.
import type { Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransitionRecord } from '../../activities/types.js';
import { answerFromResult } from '../../api/command-answer.js';
import { createDb, type Db } from '../../db/client.js';
import { asJsonb } from '../../db/projected-rows.js';
import { contractView, loadContract } from '../../db/read-model.js';
import { loadTexts, withTexts } from '../../db/texts.js';
import type { Command, Transition } from '../../domain/commands.js';
import { prepareCommand } from '../../domain/commands.js';
import type { CommandResult } from '../../workflows/messages.js';
import { shared } from '../support/context.js';
import { DirectContract } from '../support/direct-contract.js';

let db: Db;
beforeAll(() => {
  db = createDb(shared('databaseUrl'));
});
afterAll(async () => {
  await db?.$disconnect();
});

/** The headers an answer sets, and nothing else of Express. */
function headers(): { res: Response; set: Map<string, string> } {
  const set = new Map<string, string>();
  return { res: { setHeader: (k: string, v: string) => set.set(k, v) } as unknown as Response, set };
}

/** What the contract's Update answers for the command whose record is `r` (workflows/contract-entity.ts). */
const resultOf = (r: TransitionRecord, t: Transition): CommandResult => ({
  contract: r.contract, milestones: r.milestones, base: r.before!.seq, ...(r.orderChanged ? { order: r.milestoneOrder } : {}), at: r.at,
  ...(t.diff ? { diff: t.diff } : {}),
});

async function answer(c: DirectContract, result: CommandResult, texts?: Record<string, string>) {
  const { res, set } = headers();
  const answered = await answerFromResult({ db, res, contractId: c.id, result, load: () => loadContract(db, c.id, c.client.id), texts });
  return { answered, seq: set.get('Contract-Seq') };
}

const view = async (c: DirectContract) => JSON.stringify(contractView((await loadContract(db, c.id, c.client.id))!));

describe('a command answered from its Update', () => {
  it('built before its record is stored, every kind of command answers the view the read model gives after', async () => {
    const c = await DirectContract.create(db, { behind: true });
    await c.project();
    const answeredSeqs: number[] = [];
    /** One command: answered from its result while its record waits, then stored and compared. */
    const step = async (cmd: Command, by: 'client' | 'freelancer' = 'client'): Promise<Transition> =>
      adopted(cmd.type, () => c.send(cmd, by), prepareCommand(cmd).texts);
    const adopted = async (name: string, send: () => Promise<Transition>, texts?: Record<string, string>): Promise<Transition> => {
      const t = await send();
      const record = c.unprojected.at(-1)!;
      expect(record.seq, name).toBe(t.state.seq);
      const storedSeq = (await db.contract.findUniqueOrThrow({ where: { id: c.id } })).seq;
      const { answered, seq } = await answer(c, resultOf(record, t), texts);
      expect(storedSeq, name).toBe(record.seq - 1); // built while the read model was one behind…
      expect(seq, name).toBe(String(record.seq));
      await c.project();
      expect(JSON.stringify(contractView(answered.row!)), name).toBe(await view(c)); // …and is what it gives after
      if (t.diff) expect(answered.diff).toEqual(withTexts(t.diff, await loadTexts(db, c.id, t.diff)));
      answeredSeqs.push(record.seq);
      return t;
    };
    await step({ type: 'savePlan', ops: [{ op: 'add', title: 'Logo', description: 'Two **drafts**', dueDate: '2031-01-02', amountCents: 1000 },
      { op: 'add', title: 'Site', amountCents: 2000 }, { op: 'add', title: 'Print', amountCents: 3000 }] });
    await step({ type: 'savePlan', ops: [{ op: 'edit', milestoneId: 'm2', patch: { title: 'Website', description: 'Five pages' } }] });
    await step({ type: 'savePlan', ops: [{ op: 'reorder', order: ['m3', 'm1', 'm2'] }, { op: 'delete', milestoneId: 'm2' }] });
    await step({ type: 'fundMilestone' });
    const cr = await step({ type: 'requestChange', milestoneId: 'm3', patch: { title: 'Print run', amountCents: 3500 }, featureEnabled: true });
    await step({ type: 'editChangeRequest', requestId: cr.requestId!, patch: { title: 'Print run 2' } });
    await adopted('change approved', () => c.resolve(cr.requestId!, 'approved'));
    await step({ type: 'proposeChanges', ops: [{ op: 'add', title: 'Stickers', description: 'Round', amountCents: 700 },
      { op: 'edit', milestoneId: 'm1', patch: { title: 'Logo v2' } }] }, 'freelancer');
    await adopted('proposal approved', () => c.resolve(c.state.proposal!.id, 'approved'));
    await step({ type: 'submitWork', milestoneId: 'm3' }, 'freelancer');
    await step({ type: 'requestRevisions', milestoneId: 'm3', message: 'Darker' });
    const refund = await step({ type: 'requestRefund', milestoneId: 'm3', amountCents: 300, reason: 'Scope cut' });
    await step({ type: 'acceptRefund', milestoneId: 'm3', requestId: refund.requestId! }, 'freelancer');
    await step({ type: 'submitWork', milestoneId: 'm3' }, 'freelancer');
    await step({ type: 'releasePayment', milestoneId: 'm3', amountCents: 1000 });
    await step({ type: 'fundMilestone' });
    await step({ type: 'openDispute', milestoneId: 'm1', reason: 'Late' }, 'freelancer');
    expect(answeredSeqs).toHaveLength(17);
  });

  it('waits for the read model when it is behind the seq the command started from, then builds the answer', async () => {
    const c = await DirectContract.create(db, { behind: true });
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'Logo', amountCents: 1000 }] });
    const t = await c.send({ type: 'fundMilestone' });
    const record = c.unprojected.at(-1)!;
    const first = c.unprojected.slice(0, -1);
    const landing = new Promise((r) => setTimeout(r, 200)).then(() => c.project(first)); // the earlier write lands meanwhile
    const { answered, seq } = await answer(c, resultOf(record, t));
    await landing;
    expect(seq).toBe(String(record.seq));
    await c.project([record]);
    expect(JSON.stringify(contractView(answered.row!))).toBe(await view(c));
  });

  it('a text it names that is not stored yet (and not the command\'s own) is waited for with the command\'s seq', async () => {
    const c = await DirectContract.create(db, { behind: true });
    await c.project();
    const cmd: Command = { type: 'savePlan', ops: [{ op: 'add', title: 'Unstored', amountCents: 1000 }] };
    const t = await c.send(cmd);
    const record = c.unprojected.at(-1)!;
    const landing = new Promise((r) => setTimeout(r, 200)).then(() => c.project());
    const { answered, seq } = await answer(c, resultOf(record, t)); // no texts: as if another command had brought it in
    await landing;
    expect(seq).toBe(String(record.seq));
    expect(answered.row!.milestones.map((m) => m.title)).toEqual(['Unstored']);
    expect(JSON.stringify(contractView(answered.row!))).toBe(await view(c));
  });

  it('orders a JSON value\'s keys as PostgreSQL\'s jsonb gives them back', async () => {
    const value = { zeta: 1, a: { bb: [{ y: 2, x: null, ü: 'é' }], b: true }, mid: 'x', ab: undefined, aa: [undefined, 3] };
    const [row] = await db.$queryRaw<{ v: unknown }[]>`SELECT ${JSON.stringify(value)}::jsonb AS v`;
    expect(JSON.stringify(asJsonb(value))).toBe(JSON.stringify(row!.v));
  });
});

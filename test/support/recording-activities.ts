// Recording activities for workflow tests: they keep every transition record and notice in memory so a
// test can assert exactly what the workflow asked to persist and deliver.
import type { ContractActivities, RefusalRecord, TransitionRecord } from '../../activities/types.js';
import type { Notice } from '../../domain/events.js';
import { createRequestWatch } from '../../activities/requests.js';
import type { PaymentActivities } from '../../activities/payments.js';
import type { MoneyMovement } from '../../domain/payments.js';

export interface Recorder {
  activities: ContractActivities & Pick<PaymentActivities, 'moveMoney'>;
  records: TransitionRecord[];
  /** Money movements asked of the payments port (R31), each done at once as the ledger adapter does. */
  movements: MoneyMovement[];
  notices: Notice[];
  refusals: RefusalRecord[];
  forContract(contractId: string): { records: TransitionRecord[]; notices: Notice[]; refusals: RefusalRecord[] };
}

/** The operators recording workers know (a real worker reads the users table's role). */
export const TEST_OPERATORS: readonly string[] = ['ops-jane', 'ops-sam', 'ops-replay'];

export function createRecorder(): Recorder {
  const records: TransitionRecord[] = [];
  const notices: Notice[] = [];
  const refusals: RefusalRecord[] = [];
  const movements: MoneyMovement[] = [];
  return {
    movements,
    records,
    notices,
    refusals,
    activities: {
      ...createRequestWatch(), // real: it asks the Temporal server the worker is connected to
      async isOperator(userId) {
        return TEST_OPERATORS.includes(userId);
      },
      async persistTransition(record) {
        records.push(structuredClone(record));
      },
      // The projection: each record once, in order; its notices are then sent, as the notice pump sends them.
      async projectTransitions(batch) {
        const last = (id: string) => records.filter((r) => r.contractId === id).at(-1)?.seq ?? 0;
        let written = 0;
        for (const r of batch) {
          if (r.seq <= last(r.contractId)) continue;
          records.push(structuredClone(r));
          notices.push(...structuredClone(r.notices));
          written += 1;
        }
        return { projectedSeq: batch.length ? last(batch[0]!.contractId) : 0, written, skipped: batch.length - written };
      },
      async deliverNotice(notice) {
        notices.push(structuredClone(notice));
      },
      async moveMoney(m) {
        if (!movements.some((x) => x.key === m.key)) movements.push(structuredClone(m));
        return { status: 'succeeded', reference: `ledger:${m.key}` };
      },
      async recordRefusal(refusal) {
        if (!refusals.some((r) => r.id === refusal.id)) refusals.push(structuredClone(refusal));
      },
    },
    forContract: (id) => ({
      records: records.filter((r) => r.contractId === id),
      notices: notices.filter((n) => n.contractId === id),
      refusals: refusals.filter((r) => r.contractId === id),
    }),
  };
}

/**
 * A contract's records once the projection holds its current seq: commands are answered first and their
 * records written just behind, so a test that reads them waits (bounded: 10 s).
 */
export async function projectedRecords(recorder: Recorder, c: { id: string; state(): Promise<{ seq: number }> }): Promise<TransitionRecord[]> {
  const seq = (await c.state()).seq;
  for (let i = 0; i < 200; i++) {
    const { records } = recorder.forContract(c.id);
    if ((records.at(-1)?.seq ?? 0) >= seq) return records;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`contract ${c.id}: seq ${seq} was not projected within 10 s`);
}

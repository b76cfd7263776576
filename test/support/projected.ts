// A command's answer does not wait for the projection's write (api/command-answer.ts): a test that reads
// PostgreSQL itself (the ledger, the audit trail, notices) after a command first waits, bounded, until the
// read model holds the seq the answer carried.
import type { Db } from '../../db/client.js';

/** Waits until the contract's row is at `seq` or past it; throws past `boundMs`. */
export async function projectedTo(db: Db, contractId: string, seq: number | string | null | undefined, boundMs = 10_000): Promise<void> {
  const want = Number(seq ?? NaN);
  if (!Number.isInteger(want)) throw new Error(`no Contract-Seq to wait for on ${contractId}`);
  const until = Date.now() + boundMs;
  for (;;) {
    const row = await db.contract.findUnique({ where: { id: contractId }, select: { seq: true } });
    if ((row?.seq ?? 0) >= want) return;
    if (Date.now() > until) throw new Error(`contract ${contractId} not projected to seq ${want} within ${boundMs} ms (at ${row?.seq ?? 'none'})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

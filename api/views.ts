// Response shapes, read from PostgreSQL. Money columns are BIGINT (a contract's totals can pass 2^31
// cents); they leave the API as JSON integers, exact up to 2^53.
import type { Db } from '../activities/db.js';

const cents = (v: bigint | number): number => Number(v);

export type ContractRow = NonNullable<Awaited<ReturnType<typeof loadContract>>>;

export function loadContract(db: Db, id: string, userId: string) {
  return db.contract.findFirst({
    where: { id, OR: [{ clientId: userId }, { freelancerId: userId }] },
    include: {
      milestones: { orderBy: { position: 'asc' } },
      changeRequests: { where: { state: 'pending' }, orderBy: { createdAt: 'asc' } },
    },
  });
}

export function contractView(c: ContractRow) {
  const request = (kind: string) => c.changeRequests.find((r) => r.kind === kind) ?? null;
  return {
    object: 'contract',
    id: c.id,
    title: c.title,
    status: c.status,
    clientId: c.clientId,
    freelancerId: c.freelancerId,
    initiationFeeCents: c.initiationFeeCents,
    balances: {
      depositsCents: cents(c.depositsCents),
      feesCents: cents(c.feesCents),
      releasesCents: cents(c.releasesCents),
      refundsCents: cents(c.refundsCents),
      escrowCents: cents(c.escrowCents),
      projectFundsCents: cents(c.projectFundsCents),
    },
    milestones: c.milestones.map((m) => ({
      object: 'milestone',
      id: m.id,
      position: m.position,
      title: m.title,
      description: m.description,
      dueDate: m.dueDate ? m.dueDate.toISOString().slice(0, 10) : null,
      amountCents: m.amountCents,
      fundedCents: m.fundedCents,
      releasedCents: m.releasedCents,
      state: m.state,
    })),
    pendingChangeRequest: request('change'),
    pendingProposal: request('proposal'),
    endPrompt: c.endPrompt,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

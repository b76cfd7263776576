// Response shapes, read from PostgreSQL. Money columns are BIGINT (a contract's totals can pass 2^31
// cents); they leave the API as JSON integers, exact up to 2^53.
import type { Db } from './client.js';

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

type RequestRow = ContractRow['changeRequests'][number];
type MilestoneRow = ContractRow['milestones'][number];

/** R17: what an approved increase left unfunded on the funded milestone (0 otherwise). */
const shortfallOf = (m: MilestoneRow): number =>
  m.state === 'active' || m.state === 'submitted' ? Math.max(0, m.amountCents - m.fundedCents) : 0;

/** A pending change request or proposal; `version` is what an answer must name (R16). */
export function requestView(r: RequestRow) {
  return {
    object: r.kind === 'proposal' ? 'proposal' : 'change_request',
    id: r.id,
    kind: r.kind,
    state: r.state,
    version: r.version,
    milestoneId: r.milestoneId,
    requestedBy: r.requestedBy,
    changes: r.changes,
    ops: r.ops,
    diff: r.diff,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
  };
}

/** Who the parties are and whether the contract is open: one row, no milestones (the command path's check). */
export function loadParties(db: Db, id: string, userId: string) {
  return db.contract.findFirst({
    where: { id, OR: [{ clientId: userId }, { freelancerId: userId }] },
    select: { clientId: true, freelancerId: true, status: true },
  });
}

export function contractView(c: ContractRow) {
  const pending = (kind: string) => c.changeRequests.find((r) => r.kind === kind);
  const request = (kind: string) => {
    const r = pending(kind);
    return r ? requestView(r) : null;
  };
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
      shortfallCents: shortfallOf(m),
    })),
    /** R17: the client is asked to fund this (POST /contracts/{id}/fund tops it up). */
    shortfallCents: c.milestones.reduce((sum, m) => sum + shortfallOf(m), 0),
    pendingChangeRequest: request('change'),
    pendingProposal: request('proposal'),
    endPrompt: c.endPrompt,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

// Property-based: random command sequences against the domain and the reference model. After every step
// both agree on acceptance, balances and milestone states, and the R10 invariants hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Command, decide } from '../../domain/commands.js';
import { type ContractState, assertInvariants, createContract, currentMilestone } from '../../domain/contract.js';
import { DomainError } from '../../domain/errors.js';
import { type ModelCommand, ReferenceModel } from './reference-model.js';

const RUNS = Number(process.env.PBT_RUNS ?? 1000);
const CLIENT = 'c';
const FREELANCER = 'f';
const NOW = '2026-01-01T00:00:00.000Z';

const modelCommand: fc.Arbitrary<ModelCommand> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('add' as const), amountCents: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 500, max: 200_000 })) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), index: fc.nat(20) }) },
  { weight: 4, arbitrary: fc.constant({ type: 'fund' as const }) },
  { weight: 2, arbitrary: fc.constant({ type: 'submit' as const }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('release' as const), permille: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('withdraw' as const), permille: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'end' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'keepOpen' as const }) },
);

/** The same step as a domain command, sent by the party allowed to send it. */
function toDomain(s: ContractState, c: ModelCommand): { cmd: Command; actor: string } {
  const cur = currentMilestone(s);
  switch (c.type) {
    case 'add':
      return { actor: CLIENT, cmd: { type: 'savePlan', ops: [{ op: 'add', title: 'M', amountCents: c.amountCents }] } };
    case 'delete': {
      const pending = s.milestones.filter((m) => m.state === 'pending');
      const victim = pending[c.index % Math.max(1, pending.length)];
      return { actor: CLIENT, cmd: { type: 'savePlan', ops: [{ op: 'delete', milestoneId: victim?.id ?? 'none' }] } };
    }
    case 'fund':
      return { actor: CLIENT, cmd: { type: 'fundMilestone' } };
    case 'submit':
      return { actor: FREELANCER, cmd: { type: 'submitWork', milestoneId: cur?.id ?? 'none' } };
    case 'release': {
      const amountCents = cur ? Math.floor((cur.fundedCents * c.permille) / 1000) : 0;
      return { actor: CLIENT, cmd: { type: 'releasePayment', milestoneId: cur?.id ?? 'none', amountCents } };
    }
    case 'withdraw':
      return { actor: CLIENT, cmd: { type: 'withdrawFunds', amountCents: Math.floor((s.balances.projectFundsCents * c.permille) / 1000) } };
    case 'end':
      return { actor: CLIENT, cmd: { type: 'endContract' } };
    case 'keepOpen':
      return { actor: CLIENT, cmd: { type: 'keepOpen' } };
  }
}

describe('properties', () => {
  it(`R4–R10, R22, R23: ${RUNS} random command sequences agree with the reference model and keep the books balanced`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.array(modelCommand, { minLength: 1, maxLength: 40 }), (fee, commands) => {
        let state = createContract({ contractId: 'k', clientId: CLIENT, freelancerId: FREELANCER, title: 'T', initiationFeeCents: fee }, NOW);
        const model = new ReferenceModel(fee);
        for (const c of commands) {
          const { cmd, actor } = toDomain(state, c);
          let accepted = true;
          try {
            state = decide(state, cmd, { actorId: actor, now: NOW }).state;
          } catch (err) {
            if (!(err instanceof DomainError)) throw err; // an invariant breach is a bug, never a refusal
            accepted = false;
          }
          expect(accepted, `${JSON.stringify(c)} accepted`).toBe(model.apply(c));
          expect(state.balances).toEqual(model.balances());
          expect(state.milestones.map((m) => [m.id, m.state, m.fundedCents, m.releasedCents])).toEqual(
            model.ms.map((m) => [m.id, m.st, m.funded, m.released]),
          );
          expect(state.status).toBe(model.ended ? 'ended' : 'open');
          assertInvariants(state);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

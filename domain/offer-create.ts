// How a create becomes the contract's first transition. With `offer` (every new contract, R30): the
// offer's milestones are checked and their texts made references, as a plan's are, then the first is
// deposited. Without it (histories recorded before offers, replayed): an empty open contract, as then.
import { type Transition, prepareCommand } from './commands.js';
import { type ContractState, type CreateContract, createContract } from './contract.js';
import { refuse } from './errors.js';
import { type OfferTerms, sendOffer, validateOfferTerms } from './offers.js';
import type { Texts } from './texts.js';

export interface Created {
  t: Transition;
  texts: Texts | undefined;
  /** The command's name in the history: `sendOffer`, or `createContract` for a contract from before offers. */
  command: 'sendOffer' | 'createContract';
}

/** R30: refused in the create's validator, which replays never run: old histories keep their creates. */
export function assertOfferCarried(cmd: CreateContract): void {
  if (cmd.offer === undefined || cmd.offer === null) {
    refuse('OFFER_REQUIRED', 'R30', 'a contract starts as an offer: name its milestones (the first is deposited) and, if you like, its expiry');
  }
}

export function created(cmd: CreateContract, now: string, dayMs: number | undefined): Created {
  const state: ContractState = createContract(cmd, now);
  if (dayMs !== undefined) state.dayMs = dayMs; // absent otherwise: histories stay as they were
  if (!cmd.offer) return { t: { state, ledger: [], notices: [], effects: [] }, texts: undefined, command: 'createContract' };
  if (typeof cmd.offer !== 'object') refuse('INVALID_OFFER', 'R30', 'offer is an object: milestones and expiresInDays');
  validateOfferTerms(cmd.offer, true);
  // The same checks and text references as an edit of the offer (and a plan's added milestones).
  const { cmd: lean, texts } = prepareCommand({ type: 'editOffer', milestones: cmd.offer.milestones });
  const offer: OfferTerms = { milestones: lean.milestones!, ...(cmd.offer.expiresInDays === undefined ? {} : { expiresInDays: cmd.offer.expiresInDays }) };
  return { t: sendOffer(state, { ...cmd, offer }, now), texts, command: 'sendOffer' };
}

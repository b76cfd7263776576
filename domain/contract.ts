// The contract aggregate as plain data plus pure transitions. Bundled into workflow code: no I/O,
// no clock, no randomness — callers pass in time and ids.
import { refuse } from './errors.js';

export type ContractStatus = 'open' | 'ended';

export interface ContractState {
  id: string;
  clientId: string;
  freelancerId: string;
  title: string;
  status: ContractStatus;
  createdAt: string;
  /** Transition counter: part of every persistence key, so a retried write is recognised. */
  seq: number;
  /** Open change requests by id (R15: at most one per milestone). */
  openChangeRequests: string[];
}

export interface CreateContract {
  contractId: string;
  clientId: string;
  freelancerId: string;
  title: string;
}

/** R1: exactly one client and one freelancer, and they are different parties. */
export function createContract(cmd: CreateContract, now: string): ContractState {
  if (cmd.clientId === cmd.freelancerId) {
    refuse('SAME_PARTY', 'R1', 'the client and the freelancer must be different parties');
  }
  return {
    id: cmd.contractId,
    clientId: cmd.clientId,
    freelancerId: cmd.freelancerId,
    title: cmd.title,
    status: 'open',
    createdAt: now,
    seq: 1,
    openChangeRequests: [],
  };
}

/** R3: an ended contract refuses every change. */
export function assertOpen(state: ContractState): void {
  if (state.status !== 'open') refuse('CONTRACT_ENDED', 'R3', 'the contract has ended and accepts no changes', 'conflict');
}

// What the Temporal UI shows on a contract's page besides its history: current details in Markdown.
// Metadata only: setCurrentDetails writes no command. Rendered when the contract's seq moves (not for a
// preview or a refusal) and bounded in rows, so no command's cost grows with the size of the contract.
import { setCurrentDetails } from '@temporalio/workflow';
import type { ContractState } from '../domain/contract.js';
import { contractDetails } from '../domain/describe.js';

/** Milestones listed in the details; the API's GET /contracts/{id} lists them all. */
export const DETAIL_ROWS = 25;

export class ContractDetails {
  private shownSeq: number | undefined;

  /** Call from workflow code only: `new Date()` is workflow time there. */
  show(state: ContractState): void {
    if (state.seq === this.shownSeq) return;
    this.shownSeq = state.seq;
    setCurrentDetails(contractDetails(state, new Date().toISOString(), DETAIL_ROWS));
  }
}

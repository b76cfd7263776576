// A contract moving to a fresh run of its workflow refuses commands for the moment it takes (one write to
// PostgreSQL; CONTRACT_HANDING_OVER, nothing done, nothing in history): the API sends the same Update
// again a few times before answering 503, so a client almost never meets the boundary.
import { setTimeout as pause } from 'node:timers/promises';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { HANDING_OVER } from '../workflows/hand-over.js';

/** Tries in all; the pauses grow (100, 200, 300, 400 ms): a loaded hand-over still fits, a stuck one is answered 503. */
const ATTEMPTS = 5;
const PAUSE_MS = 100;

export function isHandingOver(err: unknown): boolean {
  return err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === HANDING_OVER;
}

/** Sends an Update (the same id each time) until it is not refused for a hand-over, at most ATTEMPTS times. */
export async function throughHandOver<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= ATTEMPTS || !isHandingOver(err)) throw err;
      await pause(PAUSE_MS * attempt);
    }
  }
}

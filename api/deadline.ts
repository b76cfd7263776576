// Every Update the API sends has a deadline: with the worker
// down or the contract busy, an Update without one waits for ever and open connections pile up.
import type { Client } from '@temporalio/client';

/** Default for COMMAND_TIMEOUT_MS: a command's persistence takes milliseconds; a healthy stack answers in well under 1 s. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;

export type Deadline = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Runs `fn`'s Temporal calls under one absolute gRPC deadline (the client's own mechanism): the update
 * request and each long poll for its outcome carry it, so the whole call ends by then, with
 * WorkflowUpdateRPCTimeoutOrCancelledError, which api/errors.ts answers as 503 COMMAND_TIMEOUT.
 */
export const commandDeadline = (temporal: Client, ms: number): Deadline =>
  (fn) => temporal.withDeadline(Date.now() + ms, fn);

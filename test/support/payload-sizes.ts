// Payload sizes read from a workflow's histories: the largest payload of any event of any run, and the
// input each run started with (what continue-as-new handed it).
import type { Client } from '@temporalio/client';
import { type RawPayload, largestPayload, payloadBytes } from '../../scripts/lib/payloads.js';

export interface PayloadSizes {
  /** The largest single payload of any event of any run, in bytes, and the kind of event that held it. */
  largest: { bytes: number; event: string };
  /** Each run's start input (the previous run's continue-as-new input), in bytes, by run id. */
  runInputs: Record<string, number>;
}

export async function measurePayloads(client: Client, workflowId: string): Promise<PayloadSizes> {
  const largest = { bytes: 0, event: '' };
  const runInputs: Record<string, number> = {};
  for await (const exec of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const events = (await client.workflow.getHandle(workflowId, exec.runId).fetchHistory()).events ?? [];
    const run = largestPayload(events);
    if (run.bytes > largest.bytes) Object.assign(largest, run);
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    runInputs[exec.runId] = input.reduce((n, p) => n + payloadBytes(p as RawPayload), 0);
  }
  return { largest, runInputs };
}

// Payload sizes as Temporal stores them, read from a workflow's histories: every payload (its data and
// metadata) of every event, and the input each run started with (what continue-as-new handed it).
import type { Client } from '@temporalio/client';

export interface PayloadSizes {
  /** The largest single payload of any event of any run, in bytes, and the event type that held it. */
  largest: { bytes: number; event: string };
  /** Each run's start input (the previous run's continue-as-new input), in bytes, by run id. */
  runInputs: Record<string, number>;
}

interface RawPayload {
  data?: Uint8Array | null;
  metadata?: Record<string, Uint8Array> | null;
}

const isPayload = (v: unknown): v is RawPayload =>
  !!v && typeof v === 'object' && (v as RawPayload).data instanceof Uint8Array && typeof (v as RawPayload).metadata === 'object';

export const payloadBytes = (p: RawPayload): number =>
  (p.data?.length ?? 0) + Object.entries(p.metadata ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);

function payloadsIn(value: unknown, out: RawPayload[] = []): RawPayload[] {
  if (isPayload(value)) out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => payloadsIn(v, out));
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) Object.values(value).forEach((v) => payloadsIn(v, out));
  return out;
}

export async function measurePayloads(client: Client, workflowId: string): Promise<PayloadSizes> {
  const runs: string[] = [];
  for await (const exec of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(exec.runId);
  const largest = { bytes: 0, event: '' };
  const runInputs: Record<string, number> = {};
  for (const runId of runs) {
    const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    for (const e of events ?? []) {
      for (const p of payloadsIn(e)) {
        const bytes = payloadBytes(p);
        if (bytes > largest.bytes) Object.assign(largest, { bytes, event: String(e.eventType) });
      }
    }
    const input = events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    runInputs[runId] = input.reduce((n, p) => n + payloadBytes(p as RawPayload), 0);
  }
  return { largest, runInputs };
}

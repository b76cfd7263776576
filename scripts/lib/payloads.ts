// Payload sizes as Temporal stores them, read from history events: a payload's data plus its metadata.
// The test of the payload budgets and the benchmark both measure with this.

export interface RawPayload {
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

/** What kind of event it is, as its attributes' field names it (`activityTaskScheduled`). */
const kindOf = (event: object): string =>
  Object.entries(event).find(([k, v]) => k.endsWith('EventAttributes') && v)?.[0].replace(/EventAttributes$/, '') ?? 'unknown';

/** The largest single payload among these events, and the kind of event that held it. */
export function largestPayload(events: readonly object[]): { bytes: number; event: string } {
  const largest = { bytes: 0, event: '' };
  for (const e of events) {
    for (const p of payloadsIn(e)) {
      const bytes = payloadBytes(p);
      if (bytes > largest.bytes) Object.assign(largest, { bytes, event: kindOf(e) });
    }
  }
  return largest;
}

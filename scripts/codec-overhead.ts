// `node --import tsx scripts/codec-overhead.ts`: what the payload codec adds to one payload, in bytes and
// in time, for a small command (a plan of one milestone) and a large one (a plan of 200), encode and
// decode measured separately over many rounds (median of 5 batches). The encryption operations docs
// quote its output.
import { defaultPayloadConverter } from '@temporalio/common';
import { parsePayloadKeys, newPayloadKeyEntry } from '../codec/keys.js';
import { EncryptionCodec } from '../codec/payload-codec.js';

const codec = new EncryptionCodec(parsePayloadKeys(newPayloadKeyEntry(), 'a fresh key'));
const milestone = (i: number) => ({ op: 'add', title: `Milestone ${i}: sketches, revisions and the final files`, amountCents: 50_000 + i });
const cases = { 'one milestone': { actorId: 'client-1', ops: [milestone(1)] }, '200 milestones': { actorId: 'client-1', ops: Array.from({ length: 200 }, (_, i) => milestone(i)) } };
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const [name, value] of Object.entries(cases)) {
  const plain = defaultPayloadConverter.toPayload(value)!;
  const [encrypted] = await codec.encode([plain]);
  const size = (p: typeof plain) => (p.data?.length ?? 0) + Object.entries(p.metadata ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);
  const rounds = name === 'one milestone' ? 20_000 : 1_000;
  const time = async (fn: () => Promise<unknown>) => {
    const batches: number[] = [];
    for (let b = 0; b < 5; b++) {
      const t = performance.now();
      for (let i = 0; i < rounds; i++) await fn();
      batches.push(((performance.now() - t) * 1000) / rounds);
    }
    return median(batches);
  };
  const enc = await time(() => codec.encode([plain]));
  const dec = await time(() => codec.decode([encrypted!]));
  console.log(`${name}: ${size(plain)} B plain, ${size(encrypted!)} B encrypted (+${size(encrypted!) - size(plain)} B); `
    + `encode ${enc.toFixed(1)} µs, decode ${dec.toFixed(1)} µs per payload`);
}

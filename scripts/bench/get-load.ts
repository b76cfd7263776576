// The fixed-rate load generator for GET /contracts/{id}, run by scripts/bench.ts as a child process so
// that sending requests never shares an event loop with the API it measures. autocannon paces the
// requests (overallRate); each response's time (fractional milliseconds) is kept here, because
// autocannon's own histogram rounds to whole milliseconds. Prints one JSON line.
import autocannon from 'autocannon';
import { percentile, round } from './stats.js';

interface LoadInput {
  url: string;
  token: string;
  rate: number;
  durationS: number;
  connections: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as LoadInput;
const times: number[] = [];
const instance = autocannon({
  url: input.url,
  headers: { authorization: `Bearer ${input.token}` },
  connections: input.connections,
  overallRate: input.rate,
  duration: input.durationS,
});
instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
  if (statusCode === 200) times.push(ms);
});
instance.on('done', (result: { non2xx: number; errors: number; duration: number; latency: { p50: number; p99: number } }) => {
  process.stdout.write(`${JSON.stringify({
    p50Ms: round(percentile(times, 50), 2),
    p99Ms: round(percentile(times, 99), 2),
    rps: round(times.length / result.duration, 1),
    n: times.length,
    non2xx: result.non2xx,
    errors: result.errors,
    autocannonP50Ms: result.latency.p50,
    autocannonP99Ms: result.latency.p99,
  })}\n`);
});

// autocannon ships no types; the benchmark uses only this much of it.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface Options {
    url: string;
    headers?: Record<string, string>;
    connections?: number;
    overallRate?: number;
    duration?: number;
  }

  export default function autocannon(opts: Options): EventEmitter;
}

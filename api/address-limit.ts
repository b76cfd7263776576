// The per-address limit, checked before anything else that costs (body parsing, /readyz, /metrics, the
// reference, authentication): a fixed one-minute window per client address, counted in this process's
// memory with a bounded number of addresses, so an unauthenticated flood costs no database round trip and
// cannot take the connections the request path needs. IPv6 clients are keyed by their /64 (one
// subscriber's whole allocation), or one host could mint 2^64 fresh buckets.
import type { Request, RequestHandler } from 'express';
import ipaddr from 'ipaddr.js';
import { HttpProblem } from './problem.js';

const WINDOW_MS = 60_000;
/** About 10 MB at most; past it the oldest window is forgotten (its address starts a fresh count). */
export const MAX_TRACKED_ADDRESSES = 100_000;

/** The bucket an address counts in: an IPv4 address (IPv4-mapped IPv6 included) itself, IPv6 its /64. */
export function addressKey(address: string | undefined): string {
  if (!address || !ipaddr.isValid(address)) return 'unknown';
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}

export interface AddressLimiter {
  /** Counts one request: null when allowed, else the milliseconds until the address's window ends. */
  hit(key: string, now?: number): number | null;
  readonly size: number;
}

export function createAddressLimiter(perMinute: number, maxTracked = MAX_TRACKED_ADDRESSES): AddressLimiter {
  // Insertion order is window-start order (a new window is deleted and inserted again), so the first
  // entries are the first to expire: purging walks from the front and stops at the first live one.
  const windows = new Map<string, { start: number; count: number }>();
  const purge = (now: number) => {
    for (const [k, w] of windows) {
      if (now - w.start < WINDOW_MS) break;
      windows.delete(k);
    }
  };
  return {
    hit(key, now = Date.now()) {
      let w = windows.get(key);
      if (!w || now - w.start >= WINDOW_MS) {
        windows.delete(key);
        if (windows.size >= maxTracked) purge(now);
        if (windows.size >= maxTracked) windows.delete(windows.keys().next().value!);
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      return w.count > perMinute ? w.start + WINDOW_MS - now : null;
    },
    get size() {
      return windows.size;
    },
  };
}

export function addressLimit(l: AddressLimiter, onRefused: () => void = () => {}): RequestHandler {
  return (req: Request, _res, next) => {
    const wait = l.hit(addressKey(req.ip));
    if (wait === null) return next();
    onRefused();
    const retryAfter = Math.max(1, Math.ceil(wait / 1000));
    next(new HttpProblem(429, 'RATE_LIMITED', 'Too many requests', `retry after ${retryAfter} s`, undefined, undefined, retryAfter));
  };
}

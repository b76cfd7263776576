// R29's guard against a receiver URL that points inside our network (SSRF): only public unicast addresses
// are reached, loopback too when the development setting allows it. Literal addresses are checked here;
// names are checked in the socket's own DNS lookup (every address it returns), so the address checked is
// the address connected to and a name cannot resolve to a public address first and a private one later.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export class TargetRefused extends Error {
  readonly code = 'WEBHOOK_TARGET_REFUSED';
}

/** Why an address may not be reached, or null when it may. */
export function addressRefusal(address: string, allowLoopback: boolean): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  // process() turns an IPv4-mapped IPv6 address (::ffff:10.0.0.1) into the IPv4 address it is.
  const range = ipaddr.process(address).range();
  if (range === 'unicast') return null;
  if (range === 'loopback' && allowLoopback) return null;
  return `${address} is a ${range} address${range === 'loopback' ? ' (allowed only with WEBHOOKS_ALLOW_LOOPBACK)' : ''}`;
}

/** The URL's own shape: https (or http to a loopback host in development), no credentials, a literal address checked. */
export function targetRefusal(raw: string, allowLoopback: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.username || url.password) return 'a URL with credentials in it';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopbackName = host === 'localhost' || host.endsWith('.localhost');
  if (loopbackName && !allowLoopback) return `${host} is a loopback name (allowed only with WEBHOOKS_ALLOW_LOOPBACK)`;
  if (isIP(host)) {
    const refused = addressRefusal(host, allowLoopback);
    if (refused) return refused;
  }
  if (url.protocol === 'https:') return null;
  const loopback = loopbackName || (isIP(host) !== 0 && ipaddr.process(host).range() === 'loopback');
  if (url.protocol === 'http:' && allowLoopback && loopback) return null;
  return `${url.protocol} is not allowed: use https${allowLoopback ? ' (http only to a loopback address)' : ''}`;
}

type Resolve = (host: string, cb: (err: Error | null, addresses: LookupAddress[]) => void) => void;
const resolveAll: Resolve = (host, cb) => dnsLookup(host, { all: true }, (err, addresses) => cb(err, addresses ?? []));

/**
 * A `lookup` for http.request: resolves every address of the name and refuses the connection when any
 * of them is not allowed (one private address among public ones is enough to refuse).
 */
export function guardedLookup(allowLoopback: boolean, resolve: Resolve = resolveAll): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.map((a) => addressRefusal(a.address, allowLoopback)).find((r) => r !== null);
      if (refused) return callback(new TargetRefused(`${hostname} resolves to ${refused}`), '', 0);
      if (!addresses.length) return callback(new Error(`${hostname} has no address`), '', 0);
      const family = options.family === 4 || options.family === 6 ? options.family : 0;
      const usable = family ? addresses.filter((a) => a.family === family) : addresses;
      if (options.all) return callback(null, usable);
      const first = usable[0] ?? addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

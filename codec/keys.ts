// The keys that encrypt Temporal payloads: a list of `id:base64` entries (32 random bytes each), the first
// encrypts, every one decrypts, so a key is rotated by putting a new one first and keeping the old ones
// until no history needs them. From PAYLOAD_KEYS, or PAYLOAD_KEYS_FILE (a mounted secret). With neither,
// development (the embedded stack, the tests) uses a key generated once into .data/payload-keys; a
// production process (NODE_ENV=production) refuses to start instead of inventing a key nobody backs up.
// Key material lives only in KeyObjects, which print and serialise without it; no message here quotes it.
import { type KeyObject, createSecretKey, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** AES-256: 32 bytes of key material per entry. */
const KEY_BYTES = 32;
/** Sent in every payload's metadata: short, printable, no separators. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface PayloadKeys {
  /** The id new payloads are encrypted under. */
  currentId: string;
  /** Every usable key by id, the current one included. */
  keys: ReadonlyMap<string, KeyObject>;
  /** Where the keys came from, for logs (a variable's name or a file's path, never the keys). */
  source: string;
}

export const localKeyFile = resolve(import.meta.dirname, '..', '.data', 'payload-keys');

/** Parses `id:base64[,id:base64…]` (commas or whitespace between entries); the first entry encrypts. */
export function parsePayloadKeys(text: string, source: string): PayloadKeys {
  const entries = text.split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) throw new Error(`${source}: no payload key (expected id:base64-of-32-bytes, the first one encrypts)`);
  const keys = new Map<string, KeyObject>();
  entries.forEach((entry, i) => {
    const [id = '', material = '', ...rest] = entry.split(':');
    const bytes = Buffer.from(material, 'base64');
    const where = `${source}: entry ${i + 1}`;
    if (rest.length > 0 || !KEY_ID.test(id)) throw new Error(`${where}: the id must be 1-64 of A-Z a-z 0-9 . _ - before one ':'`);
    if (bytes.length !== KEY_BYTES || bytes.toString('base64') !== material) {
      throw new Error(`${where} (${id}): the key must be ${KEY_BYTES} bytes in standard base64 (npm run payload-key makes one)`);
    }
    if (keys.has(id)) throw new Error(`${where}: the id ${id} is listed twice`);
    keys.set(id, createSecretKey(bytes));
  });
  return { currentId: entries[0]!.split(':')[0]!, keys, source };
}

/** A fresh `id:base64` entry; the id says when it was made, which tells an operator which key is old. */
export function newPayloadKeyEntry(now = new Date()): string {
  const id = `${now.toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/** The keys the environment configures; in development without any, the local key file (made once). */
export function payloadKeysFromEnv(env: NodeJS.ProcessEnv = process.env, file = localKeyFile): PayloadKeys {
  const inline = env.PAYLOAD_KEYS?.trim();
  const path = env.PAYLOAD_KEYS_FILE?.trim();
  if (inline && path) throw new Error('PAYLOAD_KEYS and PAYLOAD_KEYS_FILE are both set: keep one');
  if (inline) return parsePayloadKeys(inline, 'PAYLOAD_KEYS');
  if (path) return parsePayloadKeys(readSecretFile(path), `PAYLOAD_KEYS_FILE (${path})`);
  if (env.NODE_ENV === 'production') {
    throw new Error('PAYLOAD_KEYS or PAYLOAD_KEYS_FILE is required when NODE_ENV=production (npm run payload-key makes a key)');
  }
  return parsePayloadKeys(localKeys(file), file);
}

function readSecretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`PAYLOAD_KEYS_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * The development key file, created on first use. Processes start side by side (worker, API, tests), so
 * the file appears atomically: written under a private name, then hard-linked into place; whoever loses
 * the race reads the winner's key.
 */
function localKeys(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8');
  mkdirSync(dirname(file), { recursive: true });
  const draft = join(dirname(file), `.payload-keys-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(draft, `${newPayloadKeyEntry()}\n`, { mode: 0o600 });
  try {
    chmodSync(draft, 0o600);
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(draft, { force: true });
  }
  return readFileSync(file, 'utf8');
}

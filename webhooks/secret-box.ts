// Webhook signing secrets at rest (R29): sealed with AES-256-GCM (node:crypto) under a key from the
// configuration, so a dump or a replica of the database yields no secret that can sign. Each sealed value
// names its key, so keys rotate: the first key of WEBHOOK_SECRET_KEYS seals, every listed key opens, and
// the worker re-seals values under an older key (or plaintext from before sealing) at start.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const PREFIX = 'wsk1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export interface SecretBox {
  /** The key id new values are sealed under. */
  readonly keyId: string;
  seal(plain: string): string;
  /** The secret; a value stored before sealing (whsec_…) is returned as it is. */
  open(stored: string): string;
  /** True when `stored` is plaintext or sealed under another key than the current one. */
  stale(stored: string): boolean;
}

export class SecretKeysInvalid extends Error {}

/** `id:base64` pairs, comma-separated; each key is 32 bytes. Errors name the entry, never the key. */
export function parseKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  spec.split(',').map((s) => s.trim()).filter(Boolean).forEach((entry, i) => {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    if (at < 0 || !KEY_ID.test(id)) throw new SecretKeysInvalid(`entry ${i + 1} is not <id>:<base64 key> (id: letters, digits, _ or -)`);
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (key.length !== 32) throw new SecretKeysInvalid(`key "${id}" is not 32 bytes in base64 (openssl rand -base64 32)`);
    if (keys.has(id)) throw new SecretKeysInvalid(`key id "${id}" is listed twice`);
    keys.set(id, key);
  });
  if (!keys.size) throw new SecretKeysInvalid('no key listed');
  return keys;
}

export function createSecretBox(keys: Map<string, Buffer>): SecretBox {
  const [keyId, key] = [...keys.entries()][0]!;
  return {
    keyId,
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is authenticated data: a value cannot be moved under another key's name.
      cipher.setAAD(Buffer.from(keyId));
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}:${keyId}:${iv.toString('base64url')}:${sealed.toString('base64url')}`;
    },
    open(stored) {
      if (!stored.startsWith(`${PREFIX}:`)) return stored;
      const [, id, iv, data] = stored.split(':');
      const k = keys.get(id!);
      if (!k) throw new SecretKeysInvalid(`a webhook secret is sealed under key "${id}", which WEBHOOK_SECRET_KEYS does not list`);
      const bytes = Buffer.from(data!, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv!, 'base64url'));
      decipher.setAAD(Buffer.from(id!));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
    },
    stale: (stored) => !stored.startsWith(`${PREFIX}:${keyId}:`),
  };
}

/** Where the embedded stack keeps its generated key (under .data/, beside the embedded databases). */
export const DEV_KEY_FILE = fileURLToPath(new URL('../.data/webhook-secret-keys', import.meta.url));

/**
 * WEBHOOK_SECRET_KEYS when set (required with NODE_ENV=production); otherwise a key generated once into
 * .data/ (WEBHOOK_SECRET_KEYS_FILE moves it), so `npm run up` and the tests need no setting.
 */
export function secretBoxFromEnv(env: NodeJS.ProcessEnv = process.env): SecretBox {
  if (env.WEBHOOK_SECRET_KEYS) return createSecretBox(parseKeys(env.WEBHOOK_SECRET_KEYS));
  if (env.NODE_ENV === 'production') {
    throw new SecretKeysInvalid('WEBHOOK_SECRET_KEYS is required in production (<id>:<base64 of 32 random bytes>)');
  }
  return createSecretBox(parseKeys(devKeys(env.WEBHOOK_SECRET_KEYS_FILE || DEV_KEY_FILE)));
}

function devKeys(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true });
  // Written whole, then linked into place: two processes starting at once keep the first key, and neither
  // can read a file still being written.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `dev:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
  return readFileSync(file, 'utf8');
}

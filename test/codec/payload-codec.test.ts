// The payload codec and its keys, without a server: AES-256-GCM round trips, the key id in the metadata,
// rotation (encrypt with the first key, decrypt with any), clear failures, and key configuration that
// never echoes key material.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { newPayloadKeyEntry, parsePayloadKeys, payloadKeysFromEnv } from '../../codec/keys.js';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA, PayloadDecryptionError } from '../../codec/payload-codec.js';
import { root } from '../../scripts/lib/tools.js';

const keyA = newPayloadKeyEntry().replace(/^[^:]+/, 'key-a');
const keyB = newPayloadKeyEntry().replace(/^[^:]+/, 'key-b');
const codec = (entries: string) => new EncryptionCodec(parsePayloadKeys(entries, 'test'));
const meta = (p: { metadata?: Record<string, Uint8Array> | null }, k: string) => Buffer.from(p.metadata![k]!).toString();
const plain = () => defaultPayloadConverter.toPayload({ title: 'Logo for Ada Lovelace', amountCents: 150_000 });
const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('EncryptionCodec', () => {
  it('encrypts the whole payload under the current key id and decrypts it back', async () => {
    const [encoded] = await codec(keyA).encode([plain()]);

    expect(meta(encoded!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(encoded!, KEY_ID_METADATA)).toBe('key-a');
    expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA]);
    expect(Buffer.from(encoded!.data!).includes('Ada Lovelace')).toBe(false);
    expect(Buffer.from(encoded!.data!).includes('json/plain')).toBe(false);
    const [decoded] = await codec(keyA).decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ title: 'Logo for Ada Lovelace', amountCents: 150_000 });
  });

  it('uses a fresh IV per payload: the same value never encrypts to the same bytes', async () => {
    const [one, two] = await codec(keyA).encode([plain(), plain()]);

    expect(Buffer.from(one!.data!).equals(Buffer.from(two!.data!))).toBe(false);
  });

  it('passes payloads written before encryption through decode unchanged', async () => {
    const old = plain();

    const [decoded] = await codec(keyA).decode([old]);

    expect(decoded).toBe(old);
  });

  it('rotates: encrypts with the first key listed, decrypts with any listed key', async () => {
    const [underA] = await codec(keyA).encode([plain()]);

    const rotated = codec(`${keyB},${keyA}`);
    const [underB] = await rotated.encode([plain()]);
    const decoded = await rotated.decode([underA!, underB!]);

    expect(meta(underB!, KEY_ID_METADATA)).toBe('key-b');
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      { title: 'Logo for Ada Lovelace', amountCents: 150_000 }, { title: 'Logo for Ada Lovelace', amountCents: 150_000 }]);
  });

  it('refuses a payload under a key id it does not have, naming the id and where its keys came from', async () => {
    const [underA] = await codec(keyA).encode([plain()]);

    const err = await codec(keyB).decode([underA!]).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(PayloadDecryptionError);
    expect((err as PayloadDecryptionError).code).toBe('PAYLOAD_KEY_UNKNOWN');
    expect((err as Error).message).toContain('"key-a"');
    expect((err as Error).message).toContain('key-b from test');
    expect((err as Error).message).not.toContain(keyB.split(':')[1]);
  });

  it('refuses altered ciphertext, other key material under the same id, and a relabelled key id', async () => {
    const [encoded] = await codec(keyA).encode([plain()]);
    const flipped = Buffer.from(encoded!.data!);
    flipped[20]! ^= 1;
    const impostor = newPayloadKeyEntry().replace(/^[^:]+/, 'key-a');
    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: Buffer.from('key-b') } };

    const errors = await Promise.all([
      codec(keyA).decode([{ ...encoded!, data: flipped }]).catch((e: unknown) => e),
      codec(impostor).decode([encoded!]).catch((e: unknown) => e),
      codec(`${keyA},${keyB.replace(/:.*/, `:${keyA.split(':')[1]}`)}`).decode([relabelled]).catch((e: unknown) => e),
    ]);

    for (const err of errors) expect((err as PayloadDecryptionError).code).toBe('PAYLOAD_NOT_DECRYPTABLE');
  });
});

describe('payload keys', () => {
  it('reject malformed entries without quoting the key material', () => {
    const short = Buffer.alloc(16, 7).toString('base64');

    expect(() => parsePayloadKeys(`k1:${short}`, 'PAYLOAD_KEYS')).toThrow(/PAYLOAD_KEYS: entry 1 \(k1\): the key must be 32 bytes/);
    expect(() => parsePayloadKeys(`k1:${short}`, 'PAYLOAD_KEYS')).not.toThrow(short);
    expect(() => parsePayloadKeys('', 'PAYLOAD_KEYS')).toThrow(/no payload key/);
    expect(() => parsePayloadKeys(`${keyA},${keyA}`, 'PAYLOAD_KEYS')).toThrow(/key-a is listed twice/);
    expect(() => parsePayloadKeys(`bad/id:${keyA.split(':')[1]}`, 'PAYLOAD_KEYS')).toThrow(/entry 1: the id/);
  });

  it('come from PAYLOAD_KEYS or PAYLOAD_KEYS_FILE; production refuses to start without either', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    dirs.push(dir);
    const file = join(dir, 'mounted');
    spawnSync('sh', ['-c', `printf '%s\\n%s\\n' '${keyB}' '${keyA}' > ${file}`]);

    expect(payloadKeysFromEnv({ PAYLOAD_KEYS: `${keyA} ${keyB}` }).currentId).toBe('key-a');
    expect([...payloadKeysFromEnv({ PAYLOAD_KEYS_FILE: file }).keys.keys()]).toEqual(['key-b', 'key-a']);
    expect(() => payloadKeysFromEnv({ PAYLOAD_KEYS: keyA, PAYLOAD_KEYS_FILE: file })).toThrow(/both set/);
    expect(() => payloadKeysFromEnv({ NODE_ENV: 'production' })).toThrow(/PAYLOAD_KEYS or PAYLOAD_KEYS_FILE is required when NODE_ENV=production/);
    expect(() => payloadKeysFromEnv({ PAYLOAD_KEYS_FILE: join(dir, 'absent') })).toThrow(/cannot read .*absent \(ENOENT\)/);
  });

  it('print and serialise without their material', () => {
    const keys = parsePayloadKeys(keyA, 'test');

    expect(JSON.stringify(keys)).not.toContain(keyA.split(':')[1]);
    expect(inspect(keys, { depth: 5 })).not.toContain(keyA.split(':')[1]);
    expect(inspect(keys, { depth: 5 })).toContain('key-a');
  });

  it('in development, are generated once into a private file that processes started together share', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    dirs.push(dir);
    const file = join(dir, 'nested', 'payload-keys');
    const script = `import('${join(root, 'codec', 'keys.ts')}').then((m) => console.log(m.payloadKeysFromEnv({}, ${JSON.stringify(file)}).currentId))`;

    const runs = await Promise.all(Array.from({ length: 4 }, () =>
      run(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 60_000 })));

    const ids = new Set(runs.map((r) => r.stdout.trim()));
    expect(ids.size).toBe(1);
    expect(readFileSync(file, 'utf8').trim().split(':')[0]).toBe([...ids][0]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

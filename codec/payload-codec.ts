// AES-256-GCM over whole payloads. The encoded payload says only that it is encrypted and under which key
// id; its original metadata (the JSON encoding, a message type) travels inside the ciphertext with its
// data. Layout of `data`: a 12-byte random IV, the ciphertext, the 16-byte GCM tag; the key id is also
// authenticated (AAD), so a payload relabelled with another id fails instead of decrypting oddly.
// Payloads without the encrypted encoding (written before encryption was on) pass through decode as
// they are, which keeps old histories readable.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { PayloadKeys } from './keys.js';

// A CommonJS module: Node's ESM loader sees only its default export.
const { temporal } = proto;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata key Temporal's samples use for the same purpose, so tools that know it read ours. */
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const { Payload: PayloadProto } = temporal.api.common.v1;

/** A payload this codec cannot decrypt; `code` says why, the message names the key id (never a key). */
export class PayloadDecryptionError extends Error {
  constructor(readonly code: 'PAYLOAD_KEY_UNKNOWN' | 'PAYLOAD_NOT_DECRYPTABLE' | 'PAYLOAD_MALFORMED', message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncrypted(p) ? this.decrypt(p) : p));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keys.currentId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(keyId));
    const plain = PayloadProto.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { [METADATA_ENCODING_KEY]: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(keyId) }, data };
  }

  private decrypt(payload: Payload): Payload {
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new PayloadDecryptionError('PAYLOAD_MALFORMED', `an encrypted payload carries no ${KEY_ID_METADATA}`);
    const keyId = Buffer.from(idBytes).toString();
    const key = this.keys.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError('PAYLOAD_KEY_UNKNOWN', `payload encrypted with key id "${keyId}", which is not among the configured keys `
        + `(${[...this.keys.keys.keys()].join(', ')} from ${this.keys.source}): add that key back to decrypt it`);
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('PAYLOAD_MALFORMED', `an encrypted payload under key id "${keyId}" is too short`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(idBytes);
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      const { metadata, data: inner } = PayloadProto.decode(plain);
      return { metadata, data: inner };
    } catch {
      throw new PayloadDecryptionError('PAYLOAD_NOT_DECRYPTABLE',
        `payload under key id "${keyId}" failed authentication: the key configured under that id is not the one it was encrypted with, or the payload was altered`);
    }
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING;
}

const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

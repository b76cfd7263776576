// `npm run payload-key`: prints a new payload key entry (`id:base64`) for PAYLOAD_KEYS. Put it first to
// rotate: new payloads use it, the keys after it still decrypt what they encrypted.
import { newPayloadKeyEntry } from '../codec/keys.js';

console.log(newPayloadKeyEntry());

// Codec server entry (`npm run codec-server`): the payload keys (PAYLOAD_KEYS / PAYLOAD_KEYS_FILE, or the
// development key file), operators' tokens from PostgreSQL (DATABASE_URL), listening on
// CODEC_SERVER_ADDRESS (host:port) for the Temporal UI origins in CODEC_SERVER_CORS_ORIGINS.
// Runs until SIGINT/SIGTERM.
import { createDb } from '../db/client.js';
import { configuredPayloadKeys, describePayloadKeys } from './data-converter.js';
import { EncryptionCodec } from './payload-codec.js';
import { boundServer, createCodecServer } from './server.js';

/** Loopback by default: the server hands out decrypted data, so exposing it is a deliberate choice. */
const DEFAULT_ADDRESS = '127.0.0.1:8234';
/** The dev server's Web UI, under both names a browser may use for it. */
const DEFAULT_ORIGINS = 'http://localhost:8233,http://127.0.0.1:8233';

const address = process.env.CODEC_SERVER_ADDRESS ?? DEFAULT_ADDRESS;
const match = /^(.+):(\d{1,5})$/.exec(address);
const origins = (process.env.CODEC_SERVER_CORS_ORIGINS ?? DEFAULT_ORIGINS).split(',').map((o) => o.trim()).filter(Boolean);
const bad = origins.filter((o) => !/^https?:\/\/[^/]+$/.test(o));
if (!match || bad.length > 0) {
  console.error(!match ? `CODEC_SERVER_ADDRESS=${address}: expected host:port`
    : `CODEC_SERVER_CORS_ORIGINS: ${bad.join(', ')} ${bad.length > 1 ? 'are not origins' : 'is not an origin'} (scheme://host[:port], no path)`);
  process.exit(2);
}
const log = (line: Record<string, unknown>) => console.log(JSON.stringify({ level: 'info', time: new Date().toISOString(), ...line }));
const keys = configuredPayloadKeys();
const db = createDb();
const app = createCodecServer({ db, codec: new EncryptionCodec(keys), corsOrigins: origins, log });
const server = boundServer(app.listen(Number(match[2]), match[1]!, () => {
  log({ msg: 'codec server listening', address, corsOrigins: origins, ...describePayloadKeys(keys) });
}));
server.on('error', (err) => {
  console.error(`codec server: ${err.message}`);
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => void db.$disconnect().finally(() => process.exit(0))));
}

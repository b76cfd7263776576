// npm run platform-key:create -- --platform <id> | --new-platform "<name>"  --scope users:write --scope contracts:act [--label <text>]
// Creates a platform key (and the platform, with --new-platform) and prints it once: it is stored only as a
// hash. For an operator at a shell beside the database; over the API, POST /platforms/{id}/keys does the same.
// The database is DATABASE_URL's, or else the embedded one of a running `npm run up` (scripts/lib/stack-file.ts).
import { parseArgs } from 'node:util';
import { createDb } from '../db/client.js';
import { createPlatform, createPlatformKey } from '../api/platform-keys.js';
import { PLATFORM_KEY_SCOPES, type PlatformKeyScope } from '../domain/identity-schemas.js';
import { databaseUrlOrEmbedded } from './lib/stack-file.js';

const { values } = parseArgs({
  options: { platform: { type: 'string' }, 'new-platform': { type: 'string' }, scope: { type: 'string', multiple: true }, label: { type: 'string' } },
});
const scopes = values.scope ?? [];
const unknown = scopes.filter((s) => !(PLATFORM_KEY_SCOPES as readonly string[]).includes(s));
if ((!values.platform === !values['new-platform']) || scopes.length === 0 || unknown.length) {
  console.error('usage: npm run platform-key:create -- (--platform <id> | --new-platform <name>) --scope <scope> [--scope <scope>…] [--label <text>]');
  console.error(`scopes: ${PLATFORM_KEY_SCOPES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  process.exit(2);
}
let url: string;
try {
  url = databaseUrlOrEmbedded();
} catch (err) {
  console.error(`platform-key:create: ${(err as Error).message}`);
  process.exit(1);
}
const db = createDb(url);
try {
  const platformId = values.platform ?? (await createPlatform(db, values['new-platform']!)).id;
  if (!(await db.platform.findUnique({ where: { id: platformId } }))) {
    console.error(`platform-key:create: no platform ${platformId}`);
    process.exitCode = 1;
  } else {
    const key = await createPlatformKey(db, {
      platformId, scopes: scopes as PlatformKeyScope[], ...(values.label ? { label: values.label } : {}), createdBy: 'cli',
    });
    console.log(JSON.stringify({ platformId, keyId: key.id, key: key.key, scopes: key.scopes, label: key.label }, null, 2));
  }
} finally {
  await db.$disconnect();
}

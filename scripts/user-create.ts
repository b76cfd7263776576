// npm run user:create -- --email a@b.c --name "Ada" [--change-requests]: creates a user (or reuses it)
// and prints a new token; --change-requests turns on R14's feature flag for that client.
import { parseArgs } from 'node:util';
import { createDb } from '../db/client.js';
import { CHANGE_REQUEST_FLAG } from '../domain/names.js';
import { issueUser } from '../api/users.js';

const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' }, 'change-requests': { type: 'boolean' } } });
if (!values.email || !values.name) {
  console.error('usage: npm run user:create -- --email <email> --name <name>');
  process.exit(2);
}
const db = createDb();
const user = await issueUser(db, { email: values.email, name: values.name });
if (values['change-requests']) {
  // R14: this client may request changes to an active milestone.
  await db.featureFlag.upsert({
    where: { userId_name: { userId: user.id, name: CHANGE_REQUEST_FLAG } },
    create: { userId: user.id, name: CHANGE_REQUEST_FLAG, enabled: true },
    update: { enabled: true },
  });
}
await db.$disconnect();
console.log(JSON.stringify(user, null, 2));

// npm run user:create -- --email a@b.c --name "Ada" : creates a user (or reuses it) and prints a new token.
import { parseArgs } from 'node:util';
import { createDb } from '../activities/db.js';
import { issueUser } from '../api/users.js';

const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' } } });
if (!values.email || !values.name) {
  console.error('usage: npm run user:create -- --email <email> --name <name>');
  process.exit(2);
}
const db = createDb();
const user = await issueUser(db, { email: values.email, name: values.name });
await db.$disconnect();
console.log(JSON.stringify(user, null, 2));

// npm run user:create -- --email a@b.c --name "Ada" [--change-requests]: creates a user (or reuses it)
// and prints a new token; --change-requests turns on R14's feature flag for that client; --operator makes
// an operator (R28: resolves disputes with its own tokens, never a party to a contract); --payment-method
// pm_… and --payout-account acct_… store the user's provider ids (R31). The database is
// DATABASE_URL's, or else the embedded one of a running `npm run up` (scripts/lib/stack-file.ts).
import { parseArgs } from 'node:util';
import { createDb } from '../db/client.js';
import { CHANGE_REQUEST_FLAG } from '../domain/names.js';
import { issueUser } from '../api/users.js';
import { updateUserBody } from '../domain/identity-schemas.js';
import { databaseUrlOrEmbedded } from './lib/stack-file.js';

const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' }, 'change-requests': { type: 'boolean' }, operator: { type: 'boolean' },
  'payment-method': { type: 'string' }, 'payout-account': { type: 'string' } } });
if (!values.email || !values.name) {
  console.error('usage: npm run user:create -- --email <email> --name <name>');
  process.exit(2);
}
// R31: the provider ids are checked before anything is written, as the users API checks them.
const details = updateUserBody.safeParse({
  ...(values['payment-method'] ? { paymentMethodId: values['payment-method'] } : {}),
  ...(values['payout-account'] ? { payoutAccountId: values['payout-account'] } : {}),
});
if (!details.success) {
  console.error(`user:create: ${details.error.issues.map((i) => i.message).join('; ')}`);
  process.exit(2);
}
let url: string;
try {
  url = databaseUrlOrEmbedded();
} catch (err) {
  console.error(`user:create: ${(err as Error).message}`);
  process.exit(1);
}
const db = createDb(url);
const user = await issueUser(db, { email: values.email, name: values.name, role: values.operator ? 'operator' : 'member' });
if (values['change-requests']) {
  // R14: this client may request changes to an active milestone.
  await db.featureFlag.upsert({
    where: { userId_name: { userId: user.id, name: CHANGE_REQUEST_FLAG } },
    create: { userId: user.id, name: CHANGE_REQUEST_FLAG, enabled: true },
    update: { enabled: true },
  });
}
if (Object.keys(details.data).length) await db.user.update({ where: { id: user.id }, data: details.data });
await db.$disconnect();
console.log(JSON.stringify(user, null, 2));

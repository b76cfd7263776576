// Issuing users and bearer tokens (scripts and tests; there is no sign-up route: the marketplace owns
// identity and provisions its users here).
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { hashToken, newToken } from './auth.js';

export interface IssuedUser {
  id: string;
  email: string;
  name: string;
  token: string;
  role: string;
}

/** Creates the user if the email is new, then issues a token (a given one, for the demo stack). */
/** `role: 'operator'` makes an operator (R28), who is never a party to a contract. */
export async function issueUser(
  db: Db, input: { email: string; name: string; id?: string; token?: string; role?: 'member' | 'operator' },
): Promise<IssuedUser> {
  const token = input.token ?? newToken();
  const user = await db.user.upsert({
    where: { email: input.email },
    create: { id: input.id ?? randomUUID(), email: input.email, name: input.name, role: input.role ?? 'member' },
    update: {},
  });
  await db.apiToken.upsert({
    where: { tokenHash: hashToken(token) },
    create: { id: randomUUID(), userId: user.id, tokenHash: hashToken(token) },
    update: {},
  });
  return { id: user.id, email: user.email, name: user.name, role: user.role, token };
}

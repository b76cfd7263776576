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

/**
 * Creates the user if the email is new, then issues a token (a given one, for the demo stack). Both
 * inserts skip an existing row (ON CONFLICT DO NOTHING) rather than read-then-write: two processes issuing
 * the same user at once (two test files, two `user:create` runs) both get it, neither fails on its key.
 * `role: 'operator'` makes an operator (R28), who is never a party to a contract.
 */
export async function issueUser(
  db: Db, input: { email: string; name: string; id?: string; token?: string; role?: 'member' | 'operator' },
): Promise<IssuedUser> {
  const token = input.token ?? newToken();
  await db.user.createMany({
    data: [{ id: input.id ?? randomUUID(), email: input.email, name: input.name, role: input.role ?? 'member' }],
    skipDuplicates: true,
  });
  const user = await db.user.findUnique({ where: { email: input.email } });
  if (!user) throw new Error(`user ${input.id} exists with another email than ${input.email}`);
  await db.apiToken.createMany({ data: [{ id: randomUUID(), userId: user.id, tokenHash: hashToken(token) }], skipDuplicates: true });
  return { id: user.id, email: user.email, name: user.name, role: user.role, token };
}

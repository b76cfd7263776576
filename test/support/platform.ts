// Platforms, keys and users for identity tests: an operator, a platform with a key per scope set, and
// members of that platform, made the way an integrator makes them (the key over the API) where it matters.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { createPlatform, createPlatformKey, type IssuedKey } from '../../api/platform-keys.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import type { PlatformKeyScope } from '../../domain/identity-schemas.js';

export interface TestPlatform {
  id: string;
  key(scopes: PlatformKeyScope[]): Promise<IssuedKey>;
  /** A member of this platform with a token (issued directly: tests of the users API make theirs over HTTP). */
  member(name?: string): Promise<IssuedUser>;
  operator(name?: string): Promise<IssuedUser>;
}

export async function newPlatform(db: Db, name = 'Test marketplace'): Promise<TestPlatform> {
  const platform = await createPlatform(db, name);
  const user = async (role: 'member' | 'operator', userName: string) => {
    const issued = await issueUser(db, { email: `${randomUUID()}@platform.test`, name: userName, role });
    await db.user.update({ where: { id: issued.id }, data: { platformId: platform.id } });
    return issued;
  };
  return {
    id: platform.id,
    key: (scopes) => createPlatformKey(db, { platformId: platform.id, scopes, createdBy: 'test' }),
    member: (n = 'Member') => user('member', n),
    operator: (n = 'Platform operator') => user('operator', n),
  };
}

export const newOperator = (db: Db): Promise<IssuedUser> =>
  issueUser(db, { email: `${randomUUID()}@operators.test`, name: 'Operator', role: 'operator' });

// isOperator: whether a user id names an operator (the users table's role). A signal sent from the Temporal
// UI or CLI names its sender in its own payload; the contract honours the name only if it is an operator's.
import type { Db } from '../db/client.js';

export function createOperatorCheck(db: Db) {
  return {
    async isOperator(userId: string): Promise<boolean> {
      const user = await db.user.findUnique({ where: { id: userId }, select: { role: true } });
      return user?.role === 'operator';
    },
  };
}

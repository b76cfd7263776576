// Seals, under the current key, every stored signing secret that is not: plaintext from before secrets
// were sealed, and values sealed under a key being retired. The worker runs it at start, so adding a new
// key first in WEBHOOK_SECRET_KEYS and restarting the workers rotates every secret to it; the old key can
// be dropped from the list once this has run.
import type { Db } from '../db/client.js';
import type { SecretBox } from './secret-box.js';

/** Rows read per round: a bounded transaction each, however many endpoints there are. */
const BATCH = 200;

export async function resealSecrets(db: Db, box: SecretBox): Promise<number> {
  let done = 0;
  let after = '';
  for (;;) {
    const rows = await db.webhookEndpoint.findMany({
      where: { id: { gt: after } }, orderBy: { id: 'asc' }, take: BATCH, select: { id: true, secret: true, previousSecret: true },
    });
    if (!rows.length) return done;
    after = rows.at(-1)!.id;
    for (const r of rows) {
      if (!box.stale(r.secret) && (r.previousSecret === null || !box.stale(r.previousSecret))) continue;
      const data = {
        secret: box.stale(r.secret) ? box.seal(box.open(r.secret)) : r.secret,
        previousSecret: r.previousSecret !== null && box.stale(r.previousSecret) ? box.seal(box.open(r.previousSecret)) : r.previousSecret,
      };
      // Only over the values just read: a rotation in between keeps its own (already sealed) values.
      const { count } = await db.webhookEndpoint.updateMany({ where: { id: r.id, secret: r.secret, previousSecret: r.previousSecret }, data });
      done += count;
    }
  }
}

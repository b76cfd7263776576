// R29 isolation, as the attack was tried: a member registers the most endpoints an account may have, for
// every event, at a receiver that accepts connections and never answers, then saves a milestone batch on
// their own contract every second. Another user's commands, on a contract the attacker never touches, must
// keep their pace: deliveries have their own queue and slots, capped per endpoint and per owner, and the
// circuit breaker stops sending to the hung receiver.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { shared } from '../support/context.js';
import { createContract, http } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { spawnApi, spawnWorker, stopAll } from '../support/processes.js';

const ENDPOINTS = 20;
/** Enough commands for a median that a few slow ones (two busy cores) do not move, over ROUNDS windows each. */
const SAMPLES = 45;
const ROUNDS = 3;
const PACE_MS = 150;
/** The attack runs this long before its window's samples start: every endpoint has attempts hanging. */
const RAMP_MS = 12_000;

let db: Db;
let baseUrl: string;
let call: ReturnType<typeof http>;
let silent: net.Server;
const sockets = new Set<net.Socket>();
let mostSockets = 0;
beforeAll(async () => {
  // The product as `npm run up` runs it: worker/main.ts and api/main.ts as their own processes, with the
  // production delivery schedule (10 s per attempt) and limits; only loopback receivers are allowed.
  const taskQueue = `isolation-${randomUUID()}`;
  const port = await freePort();
  const common = { databaseUrl: shared('databaseUrl'), temporalAddress: shared('temporalAddress') };
  const worker = spawnWorker({ ...common, taskQueue, workflowBundlePath: shared('workflowBundlePath'),
    extra: { WEBHOOKS_ALLOW_LOOPBACK: 'true' } });
  const api = spawnApi({ ...common, port, extra: { WEBHOOKS_ALLOW_LOOPBACK: 'true', TASK_QUEUE: taskQueue } });
  db = createDb(shared('databaseUrl'));
  baseUrl = `http://127.0.0.1:${port}`;
  call = http(baseUrl);
  // Accepts every connection and never answers (nor closes): each attempt waits its whole timeout.
  silent = net.createServer((s) => {
    sockets.add(s);
    mostSockets = Math.max(mostSockets, sockets.size);
    s.on('error', () => {});
    s.resume(); // reads and drops the request, so a client's close is seen at once
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  await Promise.all([worker.ready, api.ready]);
}, 300_000);
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await stopAll();
  await db?.$disconnect();
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One command on the victim's contract (an edit of a pending milestone): its latency, or a throw. */
async function timedEdit(owner: IssuedUser, contractId: string, milestoneId: string, n: number): Promise<number> {
  const started = performance.now();
  const res = await call('POST', `/contracts/${contractId}/milestones/batch`, {
    token: owner.token, body: { ops: [{ op: 'edit', milestoneId, patch: { title: `Design, take ${n}` } }] },
  });
  const ms = performance.now() - started;
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return ms;
}

describe('webhook isolation (R29)', () => {
  it('R29: a member whose endpoints never answer does not slow another user\'s commands (p50 within 1.5×)', async () => {
    const user = (name: string) => issueUser(db, { email: `${randomUUID()}@isolation.test`, name });
    const attacker = { client: await user('Attacker'), freelancer: await user('Accomplice') };
    const victim = { client: await user('Victim'), freelancer: await user('Freelancer') };
    const attackerContract = await createContract(baseUrl, attacker.client.token, attacker.freelancer);
    // The offer's first milestone is funded; the victim edits the pending second one.
    const victimContract = await createContract(baseUrl, victim.client.token, victim.freelancer, [5000, 5000]);
    const milestoneId = (await call('GET', `/contracts/${victimContract}`, { token: victim.client.token })).body.milestones[1].id;
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/hooks`;
    for (let i = 0; i < ENDPOINTS; i++) {
      const res = await call('POST', '/webhook-endpoints', { token: attacker.client.token, body: { url, eventTypes: ['*'] } });
      expect(res.status).toBe(201);
    }
    const endpoints: string[] = (await call('GET', '/webhook-endpoints', { token: attacker.client.token })).body.data.map((e: { id: string }) => e.id);
    const setEndpoints = (action: 'enable' | 'disable') =>
      Promise.all(endpoints.map((id) => call('POST', `/webhook-endpoints/${id}/${action}`, { token: attacker.client.token })));
    let n = 0;
    const sample = async (into: number[], count: number) => {
      for (let i = 0; i < count; i++) {
        into.push(await timedEdit(victim.client, victimContract, milestoneId, n++));
        await sleep(PACE_MS); // the same pace loaded and unloaded, spread over the attack's seconds
      }
    };

    // Unloaded and loaded windows alternate, so a change in the machine's other load (two cores, other
    // suites) falls on both sides; each unloaded window starts once no attempt is left hanging.
    const unloaded: number[] = [];
    const loaded: number[] = [];
    let attacks = 0;
    // Round 0 warms the attack's own paths up (its first delivery workflows, the receiver's first sockets)
    // and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      await setEndpoints('disable');
      await expect.poll(() => sockets.size, { timeout: 30_000, interval: 250 }).toBe(0);
      await sample(round ? unloaded : [], SAMPLES / ROUNDS);

      await setEndpoints('enable');
      let attacking = true;
      const attack = (async () => {
        while (attacking) {
          const res = await call('POST', `/contracts/${attackerContract}/milestones/batch`, {
            token: attacker.client.token, body: { ops: [{ op: 'add', title: `Spam ${attacks}`, amountCents: 500 }] },
          });
          expect(res.status).toBe(200);
          attacks += 1;
          await sleep(1000);
        }
      })();
      try {
        await sleep(RAMP_MS);
        await sample(round ? loaded : [], SAMPLES / ROUNDS);
      } finally {
        attacking = false;
        await attack;
      }
    }

    const stalled = await db.webhookDelivery.count({ where: { endpoint: { ownerId: attacker.client.id } } });
    const figures = { unloadedP50: Math.round(median(unloaded)), loadedP50: Math.round(median(loaded)), attacks, deliveries: stalled,
      mostHungAtOnce: mostSockets,
      openCircuits: await db.webhookEndpoint.count({ where: { ownerId: attacker.client.id, circuitOpenUntil: { gt: new Date() } } }),
      held: await db.webhookDelivery.count({ where: { endpoint: { ownerId: attacker.client.id }, attempts: 0, status: 'pending' } }),
      unloaded: unloaded.map(Math.round).join(','), loaded: loaded.map(Math.round).join(',') };
    console.log(`webhook isolation: ${JSON.stringify(figures)}`);
    expect(stalled).toBeGreaterThanOrEqual(attacks * ENDPOINTS);
    expect(mostSockets).toBeGreaterThan(0); // the attack did reach the receiver's endpoints
    expect(median(loaded)).toBeLessThanOrEqual(1.5 * median(unloaded));
  }, 400_000);
});

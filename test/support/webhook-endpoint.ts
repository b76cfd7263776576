// A contract with a webhook endpoint on a local receiver, as the webhook tests set one up: the parties,
// the contract's workflow, the receiver (closed by `closeReceivers`), the endpoint registered through the
// API for that contract, and its view and delivery log as its owner reads them.
import { expect } from 'vitest';
import { ContractDriver } from './contract-driver.js';
import type { http } from './http.js';
import { newParties, type Parties, type Stack } from './stack.js';
import { type Behaviour, type Receiver, startReceiver } from './webhook-receiver.js';

const open: Receiver[] = [];

export interface ContractEndpoint {
  p: Parties;
  c: ContractDriver;
  r: Receiver;
  id: string;
  endpoint(): Promise<Record<string, unknown>>;
  log(): Promise<{ status: string; eventId: string }[]>;
}

export async function contractEndpoint(stack: Stack, call: ReturnType<typeof http>, behave: Behaviour = 'ok'): Promise<ContractEndpoint> {
  const p = await newParties(stack);
  const c = new ContractDriver(stack.client, stack.taskQueue, undefined, { clientId: p.client.id, freelancerId: p.freelancer.id });
  await c.open([{ title: 'Kick-off', amountCents: 1000 }]); // an accepted offer (R30)
  await c.projected(stack.db); // its row is written just behind the answer; the endpoint names it
  const r = await startReceiver();
  open.push(r);
  r.behave(() => behave);
  const res = await call('POST', '/webhook-endpoints', { token: p.client.token, body: { url: r.url, eventTypes: ['*'], contractId: c.id } });
  expect(res.status).toBe(201);
  r.setSecrets([res.body.secret]);
  const id: string = res.body.id;
  return {
    p, c, r, id,
    endpoint: () => call('GET', `/webhook-endpoints/${id}`, { token: p.client.token }).then((x) => x.body),
    log: () => call('GET', `/webhook-endpoints/${id}/deliveries?limit=100`, { token: p.client.token }).then((x) => x.body.data),
  };
}

/** Closes every receiver `contractEndpoint` started (afterAll). */
export async function closeReceivers(): Promise<void> {
  await Promise.all(open.splice(0).map((r) => r.close()));
}

// Drives the domain directly and persists each transition through the real persistTransition activity
// (in a MockActivityEnvironment, which gives it an activity context): persistence tests without a
// Temporal server, writing exactly the records the workflow would. Created `behind`, it queues the records
// as the workflow's projection does and writes them with projectTransitions when asked (`project()`).
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPersistence } from '../../activities/persistence.js';
import { createProjection } from '../../activities/projection.js';
import type { Db } from '../../db/client.js';
import type { TransitionRecord } from '../../activities/types.js';
import { type Command, type Transition, decide, prepareCommand, resolveRequest } from '../../domain/commands.js';
import type { RequestOutcome } from '../../domain/change-request.js';
import { type ContractState, createContract } from '../../domain/contract.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { transitionRecord } from '../../workflows/records.js';

export class DirectContract {
  state!: ContractState;
  records: TransitionRecord[] = [];
  readonly id = randomUUID();
  private clock = Date.parse('2026-01-01T00:00:00Z');
  private readonly persistence;
  private readonly projection;
  /** Every text a command brought in, by its reference (the state holds references). */
  readonly texts = new Map<string, string>();
  /** Records accepted but not yet projected (behind only). */
  unprojected: TransitionRecord[] = [];

  constructor(
    readonly db: Db,
    readonly client: IssuedUser,
    readonly freelancer: IssuedUser,
    readonly behind = false,
  ) {
    this.persistence = createPersistence(db);
    this.projection = createProjection(db);
  }

  /** Writes the queued records with one projectTransitions, as the workflow's loop does. */
  async project(records: TransitionRecord[] = this.unprojected) {
    const result = await new MockActivityEnvironment().run(this.projection.projectTransitions, records);
    if (records === this.unprojected) this.unprojected = [];
    return result;
  }

  static async create(db: Db, { behind = false } = {}): Promise<DirectContract> {
    const [client, freelancer] = await Promise.all([
      issueUser(db, { email: `${randomUUID()}@example.test`, name: 'Client' }),
      issueUser(db, { email: `${randomUUID()}@example.test`, name: 'Freelancer' }),
    ]);
    const c = new DirectContract(db, client, freelancer, behind);
    const state = createContract({ contractId: c.id, clientId: client.id, freelancerId: freelancer.id, title: 'Website' }, c.now());
    await c.commit({ state, ledger: [], notices: [], effects: [] }, 'createContract', client.id);
    return c;
  }

  /** A state value as people read it: the text of a reference, else the value itself. */
  textOf = (v: string): string => this.texts.get(v) ?? v;

  now(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString();
  }

  async send(cmd: Command, by: 'client' | 'freelancer' = 'client'): Promise<Transition> {
    const actor = by === 'client' ? this.client.id : this.freelancer.id;
    // As the workflow does: texts become references in the state and travel beside the record.
    const prepared = prepareCommand(cmd);
    const t = decide(this.state, prepared.cmd, { actorId: actor, now: this.now() });
    for (const [ref, text] of Object.entries(prepared.texts)) this.texts.set(ref, text);
    if (t.state.seq !== this.state.seq) await this.commit(t, cmd.type, actor, prepared.texts);
    return t;
  }

  async resolve(requestId: string, outcome: RequestOutcome): Promise<Transition> {
    const t = resolveRequest(this.state, requestId, outcome);
    if (!t) throw new Error(`${requestId} is not pending`);
    await this.commit(t, `request ${outcome}`, 'system');
    return t;
  }

  persist(record: TransitionRecord): Promise<void> {
    return new MockActivityEnvironment().run(this.persistence.persistTransition, record);
  }

  private async commit(t: Transition, command: string, actor: string, texts?: Record<string, string>): Promise<void> {
    const record = transitionRecord(t, command, actor, this.now(), this.state ?? null, texts);
    if (this.behind) this.unprojected.push(record);
    else await this.persist(record);
    this.records.push(record);
    this.state = t.state;
  }
}

// What PostgreSQL would refuse is refused at the boundary, over HTTP (400) and by the workflow's Update
// validators when an Update is sent straight from a Temporal client (as the CLI would): NUL characters,
// unpaired surrogates and dates that do not exist, in every text and date field of every command. The
// contract is never frozen by one: each case is followed by a valid command that lands.
import { WithStartWorkflowOperation } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_REQUEST_FLAG } from '../../domain/names.js';
import type { IssuedUser } from '../../api/users.js';
import type { CommandType } from '../../domain/commands.js';
import type { PlanOp } from '../../domain/plan.js';
import { textRef } from '../../domain/texts.js';
import { contractWorkflowId } from '../../domain/names.js';
import type { CommandArgs } from '../../workflows/messages.js';
import { createContractUpdate } from '../../workflows/messages.js';
import { ContractDriver, expectRefused } from '../support/contract-driver.js';
import { http } from '../support/http.js';
import { projectedTo } from '../support/projected.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
let client: IssuedUser;
let freelancer: IssuedUser;
let id: string;
let requestId: string;

const NUL = 'Design\u0000review';
const SURROGATE = 'Design \ud800 review';
const BAD_TEXT = [NUL, SURROGATE];
const BAD_DATES = ['2027-02-30', '2027-04-31', '0000-01-01', '2027-13-01'];

beforeAll(async () => {
  stack = await startStack();
  call = http(stack.baseUrl);
  [client, freelancer] = await Promise.all([stack.newUser('Client'), stack.newUser('Freelancer')]);
  await stack.db.featureFlag.create({ data: { userId: client.id, name: CHANGE_REQUEST_FLAG, enabled: true } });
  const milestones = [{ title: 'Design', amountCents: 5000 }, { title: 'Build', amountCents: 8000 }];
  const created = await call('POST', '/contracts', { token: client.token, body: { title: 'Website', freelancerId: freelancer.id, milestones } });
  id = created.body.id;
  expect((await post('/offer/accept', { version: 1 }, 'freelancer')).status).toBe(200);
  const cr = await post('/change-requests', { milestoneId: 'm1', changes: { title: 'Design v2' } });
  expect(cr.status).toBe(200);
  requestId = cr.body.requestId;
});
afterAll(async () => {
  await stack?.stop();
});

/** The highest Contract-Seq answered: the audit trail is counted once the projection has stored it. */
let lastSeq = 1;
const post = async (path: string, body: unknown, who: 'client' | 'freelancer' = 'client') => {
  const res = await call('POST', `/contracts/${id}${path}`, { token: (who === 'client' ? client : freelancer).token, body });
  lastSeq = Math.max(lastSeq, Number(res.headers.get('contract-seq') ?? 0));
  return res;
};

/** Every text field of every command that carries one, as (path, body, who). */
function textCases(bad: string): [string, string, unknown, 'client' | 'freelancer'][] {
  return [
    ['batch add title', '/milestones/batch', { ops: [{ op: 'add', title: bad, amountCents: 500 }] }, 'client'],
    ['batch add description', '/milestones/batch', { ops: [{ op: 'add', title: 'T', description: bad, amountCents: 500 }] }, 'client'],
    ['batch add ref', '/milestones/batch', { ops: [{ op: 'add', ref: bad, title: 'T', amountCents: 500 }] }, 'client'],
    ['batch edit title', '/milestones/batch', { ops: [{ op: 'edit', milestoneId: 'm2', patch: { title: bad } }] }, 'client'],
    ['batch edit description', '/milestones/batch', { ops: [{ op: 'edit', milestoneId: 'm2', patch: { description: bad } }] }, 'client'],
    ['batch reorder entry', '/milestones/batch', { ops: [{ op: 'reorder', order: [bad] }] }, 'client'],
    ['preview add title', '/milestones/preview', { ops: [{ op: 'add', title: bad, amountCents: 500 }] }, 'client'],
    ['edit change request title', `/change-requests/${requestId}`, { changes: { title: bad } }, 'client'],
    ['edit change request description', `/change-requests/${requestId}`, { changes: { description: bad } }, 'client'],
    ['proposal add title', '/proposals', { ops: [{ op: 'add', title: bad, amountCents: 500 }] }, 'freelancer'],
    ['proposal add description', '/proposals', { ops: [{ op: 'add', title: 'T', description: bad, amountCents: 500 }] }, 'freelancer'],
    ['proposal edit title', '/proposals', { ops: [{ op: 'edit', milestoneId: 'm2', patch: { title: bad } }] }, 'freelancer'],
  ];
}

function dateCases(bad: string): [string, string, unknown, 'client' | 'freelancer'][] {
  return [
    ['batch add due date', '/milestones/batch', { ops: [{ op: 'add', title: 'T', dueDate: bad, amountCents: 500 }] }, 'client'],
    ['batch edit due date', '/milestones/batch', { ops: [{ op: 'edit', milestoneId: 'm2', patch: { dueDate: bad } }] }, 'client'],
    ['edit change request due date', `/change-requests/${requestId}`, { changes: { dueDate: bad } }, 'client'],
    ['proposal add due date', '/proposals', { ops: [{ op: 'add', title: 'T', dueDate: bad, amountCents: 500 }] }, 'freelancer'],
  ];
}

const auditCount = async () => {
  await projectedTo(stack.db, id, lastSeq);
  return stack.db.auditEvent.count({ where: { contractId: id } });
};

describe('the boundary over HTTP', () => {
  it('R11, R13, R15, R20: NUL, unpaired surrogates and impossible dates are refused with 400 in every field', async () => {
    const before = await auditCount();
    const cases = [...BAD_TEXT.flatMap(textCases), ...BAD_DATES.flatMap(dateCases)];

    for (const [name, path, body, who] of cases) {
      const res = await post(path, body, who);
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 400, code: 'INVALID_REQUEST' });
    }
    for (const title of BAD_TEXT) {
      const res = await call('POST', '/contracts', { token: client.token, body: { title, freelancerId: freelancer.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
      expect(res.status).toBe(400);
      // R30: the offer's milestones are checked as a batch's added ones.
      const offered = await call('POST', '/contracts', { token: client.token, body: { title: 'T', freelancerId: freelancer.id, milestones: [{ title, amountCents: 500 }] } });
      expect(offered.status).toBe(400);
    }

    expect(await auditCount()).toBe(before);
    const next = await post('/milestones/batch', { ops: [{ op: 'edit', milestoneId: 'm2', patch: { title: 'Build 😀', dueDate: '2028-02-29' } }] });
    expect(next.status).toBe(200);
    expect(next.body.contract.milestones[1]).toMatchObject({ title: 'Build 😀', dueDate: '2028-02-29' });
  });

  it('R1, R11: a text shaped like a stored text reference is refused with 400 in every text field, naming why', async () => {
    const before = await auditCount();
    const posing = textRef('Design'); // the reference of a title the contract holds

    for (const [name, path, body, who] of textCases(posing)) {
      const res = await post(path, body, who);
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 400, code: 'INVALID_REQUEST' });
      expect(res.body.errors[0].message).toMatch(/text reference/);
    }
    const created = await call('POST', '/contracts', { token: client.token, body: { title: posing, freelancerId: freelancer.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
    expect(created.status).toBe(400);

    expect(await auditCount()).toBe(before);
  });

  it('R2, R11: lengths are counted in characters, not UTF-16 units', async () => {
    const emoji200 = '😀'.repeat(200); // 400 UTF-16 units, 200 characters

    const ok = await post('/milestones/batch', { ops: [{ op: 'edit', milestoneId: 'm2', patch: { title: emoji200 } }] });
    const tooLong = await post('/milestones/batch', { ops: [{ op: 'edit', milestoneId: 'm2', patch: { title: `${emoji200}x` } }] });

    expect(ok.status).toBe(200);
    expect(ok.body.contract.milestones[1].title).toBe(emoji200);
    expect(tooLong.status).toBe(400);
  });

  it('R4: an amount above the largest accepted is "too large" (422), checked before the contract\'s state', async () => {
    const huge = await call('POST', `/contracts/${id}/milestones/m2/release`, {
      token: client.token, raw: '{"amountCents": 1000000000000000000000000000000}',
    });
    const addHuge = await call('POST', `/contracts/${id}/milestones/batch`, {
      token: client.token, raw: `{"ops": [{"op": "add", "title": "T", "amountCents": 1${'0'.repeat(30)}}]}`,
    });

    // m2 is pending: a state check would have said 409 MILESTONE_NOT_FUNDED.
    expect(huge.status).toBe(422);
    expect(huge.body).toMatchObject({ code: 'AMOUNT_TOO_LARGE', rule: 'R4' });
    expect(huge.body.detail).toMatch(/too large/);
    expect(addHuge.status).toBe(422);
    expect(addHuge.body.code).toBe('AMOUNT_TOO_LARGE');
  });
});

describe('the boundary in the workflow (an Update sent with the Temporal client)', () => {
  const driver = () => new ContractDriver(stack.client, stack.taskQueue, id, { clientId: client.id, freelancerId: freelancer.id });

  it('R11, R13, R15, R20: the Update validators refuse what PostgreSQL would refuse, before anything is persisted', async () => {
    const c = driver();
    const before = await auditCount();
    const historyBefore = (await c.handle.describe()).historyLength;
    const cases: [CommandType, CommandArgs<CommandType>, string][] = [];
    const as = <T extends CommandType>(type: T, args: CommandArgs<T>, code: string) => cases.push([type, args, code]);
    for (const bad of BAD_TEXT) {
      as('savePlan', { actorId: client.id, ops: [{ op: 'add', title: bad, amountCents: 500 }] }, 'INVALID_TITLE');
      as('savePlan', { actorId: client.id, ops: [{ op: 'add', title: 'T', description: bad, amountCents: 500 }] }, 'INVALID_DESCRIPTION');
      as('savePlan', { actorId: client.id, ops: [{ op: 'add', ref: bad, title: 'T', amountCents: 500 }] }, 'INVALID_REF');
      as('savePlan', { actorId: client.id, ops: [{ op: 'reorder', order: [bad] }] }, 'INVALID_REF');
      as('previewPlan', { actorId: client.id, ops: [{ op: 'edit', milestoneId: 'm2', patch: { title: bad } }] }, 'INVALID_TITLE');
      as('editChangeRequest', { actorId: client.id, requestId, patch: { description: bad } }, 'INVALID_DESCRIPTION');
      as('proposeChanges', { actorId: freelancer.id, ops: [{ op: 'add', title: bad, amountCents: 500 }] }, 'INVALID_TITLE');
      as('submitWork', { actorId: freelancer.id, milestoneId: bad }, 'INVALID_ID');
      as('approveChangeRequest', { actorId: freelancer.id, requestId: bad, version: 0 }, 'INVALID_ID');
    }
    for (const bad of BAD_DATES) {
      as('savePlan', { actorId: client.id, ops: [{ op: 'add', title: 'T', dueDate: bad, amountCents: 500 }] }, 'INVALID_DUE_DATE');
      as('editChangeRequest', { actorId: client.id, requestId, patch: { dueDate: bad } }, 'INVALID_DUE_DATE');
      as('proposeChanges', { actorId: freelancer.id, ops: [{ op: 'edit', milestoneId: 'm2', patch: { dueDate: bad } }] }, 'INVALID_DUE_DATE');
    }
    as('releasePayment', { actorId: client.id, milestoneId: 'm2', amountCents: 1e30 }, 'AMOUNT_TOO_LARGE');
    // An add without a title or an amount (the CLI skips the API's schema) never reaches PostgreSQL either.
    const untitled = JSON.parse('{"op": "add", "amountCents": 500}') as PlanOp;
    const unpriced = JSON.parse('{"op": "add", "title": "T"}') as PlanOp;
    as('proposeChanges', { actorId: freelancer.id, ops: [untitled] }, 'INVALID_TITLE');
    as('savePlan', { actorId: client.id, ops: [unpriced] }, 'AMOUNT_NOT_CENTS');
    as('savePlan', { actorId: client.id, ops: [{ op: 'add', title: 'T', amountCents: '500' as unknown as number }] }, 'AMOUNT_NOT_CENTS');

    for (const [type, args, code] of cases) await expectRefused(c.send(type, args), code);

    // Refused by validators: nothing reached history or PostgreSQL, and the contract takes its next command.
    expect((await c.handle.describe()).historyLength).toBe(historyBefore);
    expect(await auditCount()).toBe(before);
    const next = await c.send('savePlan', { actorId: client.id, ops: [{ op: 'edit', milestoneId: 'm2', patch: { dueDate: '2030-12-31' } }] });
    expect(next.contract.milestones[1]!.dueDate).toBe('2030-12-31');
  });

  it('R1: a contract whose title PostgreSQL would refuse is never created', async () => {
    const contractId = `boundary-${Date.now()}`;

    const create = stack.client.workflow.executeUpdateWithStart(createContractUpdate, {
      args: [{ contractId, clientId: client.id, freelancerId: freelancer.id, title: NUL, initiationFeeCents: 495, offer: { milestones: [{ title: 'A', amountCents: 500 }] } }],
      startWorkflowOperation: new WithStartWorkflowOperation('contractWorkflow', {
        workflowId: contractWorkflowId(contractId), taskQueue: stack.taskQueue, args: [{}], workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });

    await expectRefused(create, 'INVALID_TITLE', 'R1');
    expect(await stack.db.contract.count({ where: { id: contractId } })).toBe(0);
    await stack.client.workflow.getHandle(contractWorkflowId(contractId)).terminate('test cleanup');
  });
});

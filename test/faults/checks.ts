// What the suite checks after every scenario, for every contract the scenario drove:
// - no contract is stuck: each open one accepts a final command within the API's deadline, each ended
//   one's workflow has completed, and no lifecycle was left without an answer;
// - its state (as the API shows it) equals the reference model fed the commands that succeeded;
// - the ledger balances (R10) and every entry exists exactly once: sums by kind equal the model's
//   money, every entry belongs to an audited transition, every funding, release and withdrawal has its
//   entry, and one client's retried create made one contract;
// - every notice produced exactly one in-app message and one email (by the Resend stand-in, which
//   honours Idempotency-Key as Resend does), and every transition that notifies has its notices;
// - no request is pending without a running request workflow, and no request workflow runs for a
//   request that is not pending;
// - every milestone was released at most once: one release entry, and a milestone the review window
//   released (R25) has the timer's entry and no client's release beside it;
// - every webhook event (R29) in the outbox of a contract with an endpoint was delivered, arrived at the
//   receiver under its own webhook-id with the outbox's body, and nothing arrived that the outbox lacks.
// Each reads PostgreSQL after the workflows have caught up (bounded polls), never the timing of an answer.
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client.js';
import { changeRequestWorkflowId, contractWorkflowId } from '../../domain/names.js';
import type { ModelCommand } from '../domain/reference-model.js';
import type { FakeResend } from '../support/fake-resend.js';
import type { ApiClient } from './client.js';
import { canonical } from './canonical.js';
import { type LifecycleRecord, type Party, differences } from './lifecycle.js';
import { COMMAND_TIMEOUT_MS } from './profile.js';
import type { WebhookReceiver } from './receiver.js';

export interface Findings {
  contracts: number;
  stuckContracts: string[];
  stateMismatches: string[];
  lostLedgerEntries: number;
  duplicateLedgerEntries: number;
  ledgerFindings: string[];
  notices: number;
  lostNotices: number;
  duplicateEmails: number;
  noticeFindings: string[];
  pendingWithoutWorkflow: string[];
  orphanRequestWorkflows: string[];
  duplicateContracts: number;
  finalCommands: number;
  maxFinalCommandMs: number;
  deliverySettledMs: number;
  /** From the contracts' histories: what the faults cost in workflow tasks (where held commands waited). */
  workflowTasks: { timedOut: number; failed: number; maxAttempt: number; contractsRetried: number };
  /** Milestones with more than one release entry, or a timer's release beside a client's (R25). */
  doubleReleases: number;
  releaseFindings: string[];
  /** R29: outbox events not delivered or never received; received twice under different ids or bodies; received unlike the outbox. */
  lostWebhookEvents: number;
  duplicateWebhookEvents: number;
  mismatchedWebhookEvents: number;
  webhookFindings: string[];
  webhooks: { endpoints: number; events: number; delivered: number; attempts: number; redeliveries: number; settledMs: number };
}

/** Transitions that always tell the other party (R24); the rest (create, keepOpen, withdrawFunds) tell no one. */
const NOTIFYING = new RegExp('^(savePlan|fundMilestone|submitWork|releasePayment|requestChange|editChangeRequest|proposeChanges|endContract'
  + '|changeRequest \\w+|proposal \\w+|requestRevisions|openDispute|resolveDispute|requestRefund|acceptRefund|declineRefund'
  + '|reviewReminder|autoRelease|refundLapse)$');
/**
 * Notices still undelivered after this are lost. A delivery attempt on a killed worker times out, then
 * backs off (5 s doubling); a hang holds 16 s; a contract backed off by Temporal schedules nothing.
 */
const DELIVERY_SETTLE_MS = 360_000;

export async function checkScenario(
  deps: { api: ApiClient; db: Db; temporal: Client; resend: FakeResend; receiver: WebhookReceiver }, records: LifecycleRecord[], concurrency: number,
): Promise<Findings> {
  const f: Findings = {
    contracts: records.length, stuckContracts: [], stateMismatches: [], lostLedgerEntries: 0, duplicateLedgerEntries: 0, ledgerFindings: [],
    notices: 0, lostNotices: 0, duplicateEmails: 0, noticeFindings: [], pendingWithoutWorkflow: [], orphanRequestWorkflows: [],
    duplicateContracts: 0, finalCommands: 0, maxFinalCommandMs: 0, deliverySettledMs: 0,
    workflowTasks: { timedOut: 0, failed: 0, maxAttempt: 0, contractsRetried: 0 },
    doubleReleases: 0, releaseFindings: [], lostWebhookEvents: 0, duplicateWebhookEvents: 0, mismatchedWebhookEvents: 0, webhookFindings: [],
    webhooks: { endpoints: 0, events: 0, delivered: 0, attempts: 0, redeliveries: 0, settledMs: 0 },
  };
  const usable = records.filter((r) => r.id);
  for (const r of records) {
    if (r.unanswered) f.stuckContracts.push(`${r.id}: ${r.unanswered}`);
    for (const m of r.mismatches) f.stateMismatches.push(`${r.id}: ${m}`);
  }
  await finalCommands(deps.api, usable.filter((r) => !r.unanswered && r.mismatches.length === 0 && !r.model.ended), f, concurrency);
  await settleDeliveries(deps.db, usable.map((r) => r.id), f);
  await compareStates(deps, usable, f);
  await checkLedger(deps.db, usable, f);
  await checkNotices(deps.db, deps.resend, usable, f);
  await checkRequests(deps.db, deps.temporal, usable, f);
  await checkReleases(deps.db, usable, f);
  await settleWebhooks(deps.db, usable, f);
  await checkWebhooks(deps.db, deps.receiver, usable, f);
  await countWorkflowTasks(deps.temporal, usable, f);
  return f;
}

/**
 * Workflow-task timeouts and failures in each contract's history, and the highest attempt that ran. From
 * the third attempt Temporal refuses Updates (503) and backs the task off (5 s, doubling): where a
 * command held for long waited.
 */
async function countWorkflowTasks(temporal: Client, records: LifecycleRecord[], f: Findings): Promise<void> {
  for (const r of records) {
    const history = await temporal.workflow.getHandle(contractWorkflowId(r.id)).fetchHistory().catch(() => undefined);
    let retried = false;
    for (const e of history?.events ?? []) {
      if (e.workflowTaskTimedOutEventAttributes) f.workflowTasks.timedOut += 1;
      if (e.workflowTaskFailedEventAttributes) f.workflowTasks.failed += 1;
      const attempt = e.workflowTaskScheduledEventAttributes?.attempt ?? 1;
      f.workflowTasks.maxAttempt = Math.max(f.workflowTasks.maxAttempt, attempt);
      retried ||= attempt > 1 || Boolean(e.workflowTaskTimedOutEventAttributes);
    }
    if (retried) f.workflowTasks.contractsRetried += 1;
  }
}

/** The command an open contract must still take, chosen from the model; one attempt, within the deadline. */
function finalCommand(r: LifecycleRecord): { who: Party; path: string; body: unknown; cmd: ModelCommand } {
  const m = r.model;
  const cur = m.current();
  if (m.change && r.pendingRequestId) {
    return { who: r.freelancer, path: `/change-requests/${r.pendingRequestId}/approve`, body: { version: m.change.edits }, cmd: { type: 'answerChange', approve: true, version: 'seen', later: false } };
  }
  if (m.proposal && r.pendingProposalId) {
    return { who: r.client, path: `/proposals/${r.pendingProposalId}/decline`, body: { version: m.proposal.edits }, cmd: { type: 'answerProposal', accept: false, version: 'seen', later: false } };
  }
  if (cur && m.shortfall(cur) > 0) return { who: r.client, path: '/fund', body: {}, cmd: { type: 'fund' } };
  if (cur?.st === 'active') return { who: r.freelancer, path: `/milestones/${cur.id}/submit`, body: {}, cmd: { type: 'submit' } };
  if (cur) return { who: r.client, path: `/milestones/${cur.id}/release`, body: {}, cmd: { type: 'release' } };
  if (m.pending().length) return { who: r.client, path: '/fund', body: {}, cmd: { type: 'fund' } };
  if (m.prompt) return { who: r.client, path: '/keep-open', body: {}, cmd: { type: 'keepOpen' } };
  return { who: r.client, path: '/end', body: {}, cmd: { type: 'end' } };
}

/**
 * One command per open contract, as many at a time as clients drove the scenario: all at once (75 in the
 * worker scenario, on workers whose caches every kill emptied) measured a burst of cold replays on two
 * cores, not whether a contract is stuck (the quiet full run of 10:18: every one a proposal decline, whose
 * path crosses two workflows, at 15.1–15.4 s).
 */
async function finalCommands(api: ApiClient, open: LifecycleRecord[], f: Findings, concurrency: number): Promise<void> {
  const queue = [...open];
  const lane = async (): Promise<void> => {
    for (let r = queue.shift(); r; r = queue.shift()) await finalCommandOf(api, r, f);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** The final command of one open contract: a 200 within the deadline, or the contract is stuck. */
async function finalCommandOf(api: ApiClient, r: LifecycleRecord, f: Findings): Promise<void> {
  const c = finalCommand(r);
  const answer = await api.once(c.who.token, 'POST', `/contracts/${r.id}${c.path}`, c.body, `final-${r.id}`);
  f.finalCommands += 1;
  f.maxFinalCommandMs = Math.max(f.maxFinalCommandMs, Math.round(answer.ms));
  if (answer.status !== 200 || answer.ms > COMMAND_TIMEOUT_MS + 2_000) {
    const body = JSON.stringify(answer.body)?.slice(0, 300);
    f.stuckContracts.push(`${r.id}: the final command ${c.path} answered ${answer.status} ${body} in ${Math.round(answer.ms)} ms`);
    r.mismatches.push('final command not accepted');
    return;
  }
  if (!r.model.apply(c.cmd)) {
    f.stateMismatches.push(`${r.id}: final command ${c.path}: the API accepted it, the model refuses it (${r.model.refusal})`);
  }
  r.history.push(c.cmd);
}

/** Waits until no notice of these contracts is still being emailed. */
async function settleDeliveries(db: Db, ids: string[], f: Findings): Promise<void> {
  const started = performance.now();
  let last = -1;
  let lastChange = started;
  while (performance.now() - started < DELIVERY_SETTLE_MS) {
    const pending = await db.notification.count({ where: { contractId: { in: ids }, emailState: 'pending' } });
    if (pending === 0) break;
    if (pending !== last) [last, lastChange] = [pending, performance.now()];
    // Nothing delivered for two minutes: what is left waits on a contract that does not move (the checks
    // below say which), not on a retry.
    if (performance.now() - lastChange > NO_PROGRESS_MS) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  f.deliverySettledMs = Math.round(performance.now() - started);
}
const NO_PROGRESS_MS = 120_000;

/**
 * An ended contract's workflow completes once its last notices are delivered: a delivery attempt lost in
 * an outage is retried after its 20 s start-to-close timeout, so it gets a bounded while to get there.
 */
async function workflowStatus(temporal: Client, id: string, want: string): Promise<string> {
  const describe = () => temporal.workflow.getHandle(contractWorkflowId(id)).describe()
    .then((d) => d.status.name as string, (e: unknown) => `unknown (${String(e)})`);
  let status = await describe();
  for (let waited = 0; status !== want && want === 'COMPLETED' && waited < ENDING_SETTLE_MS; waited += 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    status = await describe();
  }
  return status;
}
const ENDING_SETTLE_MS = 60_000;

async function compareStates(deps: { api: ApiClient; temporal: Client }, records: LifecycleRecord[], f: Findings): Promise<void> {
  await Promise.all(records.map(async (r) => {
    const view = await deps.api.read(r.client.token, `/contracts/${r.id}`);
    const judged = !r.unanswered && !r.mismatches.length;
    if (judged) for (const d of differences(view.body, r.model)) f.stateMismatches.push(`${r.id} (final state): ${d}`);
    const want = view.body?.status === 'ended' ? 'COMPLETED' : 'RUNNING';
    const status = await workflowStatus(deps.temporal, r.id, want);
    if (status !== want) f.stuckContracts.push(`${r.id}: the contract is ${view.body?.status}, its workflow ${status}`);
  }));
}

interface LedgerRow { contract_id: string; key: string; kind: string; amount_cents: bigint; seq: number; milestone_id: string | null }
interface AuditRow { contract_id: string; seq: number; command: string }

async function checkLedger(db: Db, records: LifecycleRecord[], f: Findings): Promise<void> {
  const ids = records.map((r) => r.id);
  const ledger = await db.$queryRawUnsafe<LedgerRow[]>('SELECT contract_id, key, kind, amount_cents, seq, milestone_id FROM ledger_entries WHERE contract_id = ANY($1)', ids);
  const audit = await db.$queryRawUnsafe<AuditRow[]>('SELECT contract_id, seq, command FROM audit_events WHERE contract_id = ANY($1)', ids);
  const rows = await db.contract.findMany({ where: { id: { in: ids } } });
  const byContract = groupBy(ledger, (l) => l.contract_id);
  const auditBy = groupBy(audit, (a) => a.contract_id);
  const rowBy = new Map(rows.map((c) => [c.id, c]));
  for (const r of records) {
    const entries = byContract.get(r.id) ?? [];
    const events = auditBy.get(r.id) ?? [];
    const sum = (kind: string, where: (e: LedgerRow) => boolean = () => true) =>
      entries.filter((e) => e.kind === kind && where(e)).reduce((s, e) => s + Number(e.amount_cents), 0);
    // A refund naming a milestone leaves escrow (R27, R28); one naming none leaves project funds (R23).
    const fromEscrow = (e: LedgerRow) => e.milestone_id !== null;
    // Escrow and project funds follow from the entries: holds in, releases, returns and escrow refunds out;
    // deposits in (less fees), holds out, returns in, project-fund refunds out.
    // A fee returned with a closed offer (R30) leaves the fees for the refunds; project funds never see it.
    const fromLedger: Record<string, number> = {
      depositsCents: sum('deposit'), feesCents: sum('fee') - sum('fee_refund'), releasesCents: sum('release'),
      refundsCents: sum('refund') + sum('fee_refund'),
      escrowCents: sum('escrow_hold') - sum('release') - sum('escrow_return') - sum('refund', fromEscrow),
      projectFundsCents: sum('deposit') - sum('fee') - sum('escrow_hold') + sum('escrow_return') - sum('refund', (e) => !fromEscrow(e)),
    };
    // The money the model moved, kind by kind: more in the ledger is an entry written twice, less is one
    // lost. Holds and returns show only through escrow, so they are judged once the direct kinds agree.
    if (!r.unanswered && !r.mismatches.length) {
      const model = r.model.balances() as Record<string, number>;
      const judge = (k: string) => {
        const v = fromLedger[k]!;
        if (v === model[k]) return true;
        if (v > model[k]!) f.duplicateLedgerEntries += 1;
        else f.lostLedgerEntries += 1;
        f.ledgerFindings.push(`${r.id}: ${k} from the ledger ${v}, model ${model[k]}`);
        return false;
      };
      const direct = ['depositsCents', 'feesCents', 'releasesCents', 'refundsCents'].map(judge).every(Boolean);
      if (direct) judge('escrowCents');
    }
    // R10: the read model's balances are the ledger's, and never negative.
    const row = rowBy.get(r.id);
    for (const [k, v] of Object.entries(fromLedger)) {
      const stored = row ? Number(row[k as keyof typeof row]) : undefined;
      if (stored !== v) f.ledgerFindings.push(`${r.id}: ${k} is ${stored} on the contract, ${v} from its ledger`);
      if (v < 0) f.ledgerFindings.push(`${r.id}: ${k} from the ledger is negative (${v})`);
    }
    const seqs = new Map(events.map((e) => [e.seq, e.command]));
    for (const e of entries) {
      if (!seqs.has(e.seq)) {
        f.duplicateLedgerEntries += 1;
        f.ledgerFindings.push(`${r.id}: entry ${e.key} has no audited transition`);
      }
    }
    const has = (seq: number, kind: string) => entries.some((e) => e.seq === seq && e.kind === kind);
    for (const e of events) {
      const want = LEDGER_KIND_OF[e.command];
      if (e.command === 'resolveDispute' && !has(e.seq, 'release') && !has(e.seq, 'refund')) {
        f.lostLedgerEntries += 1;
        f.ledgerFindings.push(`${r.id}: resolveDispute #${e.seq} moved no money`);
      }
      if (want && !has(e.seq, want)) {
        f.lostLedgerEntries += 1;
        f.ledgerFindings.push(`${r.id}: ${e.command} #${e.seq} has no ${want} entry`);
      }
    }
  }
  const clients = records.map((r) => r.client.id);
  const dup = await db.$queryRawUnsafe<{ client_id: string; n: bigint }[]>(
    'SELECT client_id, count(*) AS n FROM contracts WHERE client_id = ANY($1) GROUP BY client_id HAVING count(*) > 1', clients);
  f.duplicateContracts = dup.reduce((s, d) => s + Number(d.n) - 1, 0);
}

/** The entry each money-moving transition must have written (a dispute's resolution: a release or a refund). */
const LEDGER_KIND_OF: Record<string, string> = {
  fundMilestone: 'escrow_hold', releasePayment: 'release', autoRelease: 'release', withdrawFunds: 'refund', acceptRefund: 'refund',
  // R30: an offer holds its first milestone; a closed one returns it.
  sendOffer: 'escrow_hold', declineOffer: 'refund', withdrawOffer: 'refund', offerExpiry: 'refund',
};

/**
 * Exactly one release per milestone (R5, R25): never two release entries, and a milestone the review window
 * released has the timer's entry (autoRelease) with no client's release beside it; one the client released has
 * no timer's entry.
 */
async function checkReleases(db: Db, records: LifecycleRecord[], f: Findings): Promise<void> {
  const ids = records.map((r) => r.id);
  const rows = await db.$queryRawUnsafe<{ contract_id: string; milestone_id: string; commands: string[] }[]>(
    `SELECT l.contract_id, l.milestone_id, array_agg(a.command ORDER BY l.seq) AS commands
     FROM ledger_entries l LEFT JOIN audit_events a ON a.contract_id = l.contract_id AND a.seq = l.seq
     WHERE l.contract_id = ANY($1) AND l.kind = 'release' GROUP BY l.contract_id, l.milestone_id`, ids);
  const by = new Map(rows.map((r) => [`${r.contract_id}/${r.milestone_id}`, r.commands]));
  for (const [k, commands] of by) {
    if (commands.length > 1) {
      f.doubleReleases += 1;
      f.releaseFindings.push(`${k}: released ${commands.length} times (${commands.join(', ')})`);
    }
  }
  for (const r of records) {
    for (const a of r.autoReleased) {
      const commands = by.get(`${r.id}/${a.milestoneId}`) ?? [];
      if (commands.length !== 1 || commands[0] !== 'autoRelease') {
        f.doubleReleases += 1;
        f.releaseFindings.push(`${r.id}/${a.milestoneId}: released by the window's end, its release entries come from ${JSON.stringify(commands)}`);
      }
    }
  }
}

/** Waits until no webhook delivery of these contracts' endpoints is still pending (retries included). */
async function settleWebhooks(db: Db, records: LifecycleRecord[], f: Findings): Promise<void> {
  const endpoints = records.flatMap((r) => (r.webhookEndpointId ? [r.webhookEndpointId] : []));
  const started = performance.now();
  let last = -1;
  let lastChange = started;
  while (endpoints.length && performance.now() - started < WEBHOOK_SETTLE_MAX_MS) {
    const where = { endpointId: { in: endpoints }, status: 'pending' };
    const pending = await db.webhookDelivery.count({ where });
    if (pending === 0) break;
    if (pending !== last) [last, lastChange] = [pending, performance.now()];
    // A retry the delivery log says is still to come is progress too: the schedule spaces retries out
    // (after a receiver's fifth failure in a row the next try is almost seven minutes away).
    const next = await db.webhookDelivery.aggregate({ where, _max: { nextRetryAt: true } });
    const due = next._max.nextRetryAt?.getTime() ?? 0;
    // A retry already overdue still counts: an attempt a killed worker held is retried on Temporal's own
    // backoff (its attempt count includes the timed-out attempt), which can be later than the log says.
    const retryComing = due > 0;
    const stalled = performance.now() - lastChange > NO_PROGRESS_MS || performance.now() - started > WEBHOOK_SETTLE_MS;
    if (stalled && !retryComing) break; // what is left is reported below
    await new Promise((r) => setTimeout(r, 1000));
  }
  f.webhooks.settledMs = Math.round(performance.now() - started);
}
/** The receiver is down 6 s in 30 and retries come after 5 s, then 15 s more; a killed worker's attempt times out after 15 s. */
const WEBHOOK_SETTLE_MS = 240_000;
/** Past WEBHOOK_SETTLE_MS the wait goes on only for retries the log says are coming, and never past this. */
const WEBHOOK_SETTLE_MAX_MS = 900_000;

interface EventRow { id: string; contract_id: string; payload: unknown }
interface DeliveryRow { endpoint_id: string; event_id: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null }

/** R29 against the outbox: each event delivered and received once under its own id, with the outbox's body. */
async function checkWebhooks(db: Db, receiver: WebhookReceiver, records: LifecycleRecord[], f: Findings): Promise<void> {
  const hooked = records.filter((r) => r.webhookEndpointId);
  if (!hooked.length) return;
  const ids = hooked.map((r) => r.id);
  const endpointOf = new Map(hooked.map((r) => [r.id, r.webhookEndpointId!]));
  const events = await db.$queryRawUnsafe<EventRow[]>('SELECT id, contract_id, payload FROM webhook_events WHERE contract_id = ANY($1)', ids);
  const deliveries = await db.$queryRawUnsafe<DeliveryRow[]>(
    'SELECT endpoint_id, event_id, status, attempts, last_status_code, last_error FROM webhook_deliveries WHERE endpoint_id = ANY($1)', [...endpointOf.values()]);
  const delivery = new Map(deliveries.map((d) => [`${d.endpoint_id}/${d.event_id}`, d]));
  const known = new Set(events.map((e) => e.id));
  f.webhooks.endpoints += hooked.length;
  f.webhooks.events += events.length;
  f.webhooks.attempts += deliveries.reduce((n, d) => n + d.attempts, 0);
  for (const e of events) {
    const d = delivery.get(`${endpointOf.get(e.contract_id)}/${e.id}`);
    const got = receiver.receipts.get(e.id);
    if (d?.status === 'delivered') f.webhooks.delivered += 1;
    if (!d || d.status !== 'delivered' || !got) {
      f.lostWebhookEvents += 1;
      const state = d ? `${d.status} after ${d.attempts} attempt(s), last ${d.last_status_code ?? d.last_error ?? '-'}` : 'no delivery row for the endpoint';
      f.webhookFindings.push(`${e.id}: ${state}; ${got ? 'received' : 'never received'}`);
      continue;
    }
    if (got.body.includes('\n≠\n')) {
      f.duplicateWebhookEvents += 1;
      f.webhookFindings.push(`${e.id}: two different bodies arrived under this webhook-id`);
    } else if (canonical(JSON.parse(got.body)) !== canonical(e.payload)) {
      f.mismatchedWebhookEvents += 1;
      f.webhookFindings.push(`${e.id}: received ${got.body.slice(0, 200)}, the outbox holds ${JSON.stringify(e.payload).slice(0, 200)}`);
    }
  }
  const mine = new Set(ids);
  for (const [id, got] of receiver.receipts) {
    if (!mine.has(got.contractId)) continue;
    f.webhooks.redeliveries += got.count - 1;
    if (!known.has(id)) {
      f.duplicateWebhookEvents += 1;
      f.webhookFindings.push(`${id}: received for ${got.contractId}, not in its outbox`);
    }
  }
}


interface NoticeRow { id: string; contract_id: string; email_state: string; in_app: bigint }

async function checkNotices(db: Db, resend: FakeResend, records: LifecycleRecord[], f: Findings): Promise<void> {
  const ids = records.map((r) => r.id);
  const idSet = new Set(ids);
  const rows = await db.$queryRawUnsafe<NoticeRow[]>(
    `SELECT n.id, n.contract_id, n.email_state, (SELECT count(*) FROM in_app_messages m WHERE m.notification_id = n.id) AS in_app
     FROM notifications n WHERE n.contract_id = ANY($1)`, ids);
  f.notices += rows.length;
  const known = new Set(rows.map((n) => n.id));
  for (const n of rows) {
    const emailed = resend.emails.has(n.id);
    if (Number(n.in_app) !== 1 || !emailed || n.email_state !== 'sent') {
      f.lostNotices += 1;
      f.noticeFindings.push(`${n.id}: ${n.in_app} in-app message(s), email ${emailed ? 'created' : 'not created'}, state ${n.email_state}`);
    }
  }
  // Emails the provider created for these contracts under keys that are no notice (a key that changed
  // between attempts would email the same notice twice), and emails sent with no key at all.
  for (const key of resend.emails.keys()) {
    const contract = key.split(':')[0]!;
    if (key.startsWith('no-key-')) {
      f.duplicateEmails += 1;
      f.noticeFindings.push(`an email was sent without an Idempotency-Key: ${JSON.stringify(resend.emails.get(key)?.body.subject)}`);
    } else if (idSet.has(contract) && !known.has(key)) {
      f.duplicateEmails += 1;
      f.noticeFindings.push(`an email was created under ${key}, which is no notice`);
    }
  }
  // Every notifying transition has its notices, numbered from 0 without a gap.
  const audit = await db.$queryRawUnsafe<AuditRow[]>('SELECT contract_id, seq, command FROM audit_events WHERE contract_id = ANY($1)', ids);
  const bySeq = groupBy(rows, (n) => n.id.split(':').slice(0, 2).join(':'));
  for (const e of audit) {
    const notices = bySeq.get(`${e.contract_id}:${e.seq}`) ?? [];
    const numbers = notices.map((n) => Number(n.id.split(':')[3])).sort((a, b) => a - b);
    if (NOTIFYING.test(e.command) && notices.length === 0) {
      f.lostNotices += 1;
      f.noticeFindings.push(`${e.contract_id} #${e.seq} ${e.command} produced no notice`);
    }
    if (numbers.some((n, i) => n !== i)) f.noticeFindings.push(`${e.contract_id} #${e.seq}: notices numbered ${numbers.join(',')}`);
  }
}

async function checkRequests(db: Db, temporal: Client, records: LifecycleRecord[], f: Findings): Promise<void> {
  const ids = records.map((r) => r.id);
  const pending = await db.changeRequest.findMany({ where: { contractId: { in: ids }, state: 'pending' }, select: { id: true } });
  await Promise.all(pending.map(async (p) => {
    const status = await temporal.workflow.getHandle(changeRequestWorkflowId(p.id)).describe().then((d) => d.status.name, () => 'NOT_FOUND');
    if (status !== 'RUNNING') f.pendingWithoutWorkflow.push(`${p.id}: pending, its workflow ${status}`);
  }));
  const pendingIds = new Set(pending.map((p) => p.id));
  const mine = new Set(ids);
  for await (const wf of temporal.workflow.list({ query: "WorkflowType = 'changeRequestWorkflow' AND ExecutionStatus = 'Running'" })) {
    const requestId = wf.workflowId.replace(/^change-request-/, '');
    const contract = requestId.replace(/-(cr|pr)\d+$/, '');
    if (mine.has(contract) && !pendingIds.has(requestId)) f.orphanRequestWorkflows.push(`${wf.workflowId} runs, its request is not pending`);
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k) ?? [];
    list.push(item);
    out.set(k, list);
  }
  return out;
}

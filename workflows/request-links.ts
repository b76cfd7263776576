// The contract's side of its change requests' and proposals' workflows: it starts them (as children that
// outlive a continue-as-new), forwards decisions to them by signal, and notices one that closed without
// reporting. Workflow code: deterministic.
import { ParentClosePolicy, getExternalWorkflowHandle, log, startChild } from '@temporalio/workflow';
import type { RequestSignal, Transition } from '../domain/commands.js';
import { changeRequestWorkflowId } from '../domain/names.js';
import { signalSender } from '../domain/operator.js';
import { requestSummaryLine } from '../domain/describe.js';
import { changeRequestWorkflow } from './change-request.js';
import { closeReason } from './failures.js';
import { requestSignals } from './messages.js';
import { requestAttributes } from './search-attributes.js';

export interface RequestLinkOptions {
  /** Where request workflows run (default: the contract's queue); a test holds an outcome back with it. */
  requestTaskQueue?: string;
  /** How long a change request waits before it expires (default seven days); the fault suite shortens it. */
  changeRequestTtlMs?: number;
  /** Called when a request's workflow closed without reporting (terminated, cancelled, failed, timed out). */
  closedWithoutDecision(requestId: string, why: string): Promise<void>;
}

export class RequestLinks {
  constructor(private readonly opts: RequestLinkOptions) {}

  /** Starts the workflow of each request the transition opened. */
  async start(t: Transition): Promise<void> {
    for (const e of t.effects) {
      if (e.type !== 'startRequest') continue;
      // ABANDON: a pending request must outlive this run when the contract continues-as-new (R19).
      const child = await startChild(changeRequestWorkflow, {
        workflowId: changeRequestWorkflowId(e.request.id),
        args: [{
          requestId: e.request.id, contractId: t.state.id, kind: e.request.kind, expires: e.request.expiresAt !== null,
          ...(e.request.expiresAt === null ? {} : { expiresAt: e.request.expiresAt }), // R19: the timer ends when the request says
          ...(this.opts.changeRequestTtlMs === undefined ? {} : { ttlMs: this.opts.changeRequestTtlMs }),
        }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        ...(this.opts.requestTaskQueue ? { taskQueue: this.opts.requestTaskQueue } : {}),
        typedSearchAttributes: requestAttributes(t.state.id, e.request),
        staticSummary: requestSummaryLine(e.request, t.state.milestones), // what it changes, old → new (UI)
      });
      // A request whose workflow closes without reporting would stay pending for ever: resolve it as canceled, naming why.
      const id = e.request.id;
      void child.result().then(() => undefined, (err: unknown) => this.opts.closedWithoutDecision(id, closeReason(err)));
    }
  }

  /** Forwards the transition's decisions; the actor travels with the signal, so the request's history names who decided. */
  async forward(t: Transition, actorId: string): Promise<void> {
    for (const e of t.effects) {
      if (e.type !== 'signalRequest') continue;
      try {
        await this.signal(e.requestId, e.signal, actorId, e.version);
      } catch (err) {
        // Already closed (it expired or was decided a moment ago): its own report settles the request.
        log.warn('change-request workflow not signalled', { requestId: e.requestId, signal: e.signal, err: String(err) });
      }
    }
  }

  /** Tells a request's workflow to close after the contract settled it (one that already decided ignores it). */
  async close(requestId: string, signal: RequestSignal, by: string, version: number | undefined): Promise<void> {
    try {
      await this.signal(requestId, signal, by, version);
    } catch (err) {
      log.info('request workflow already closed', { requestId, err: String(err) });
    }
  }

  private signal(requestId: string, signal: RequestSignal, by: string, version: number | undefined): Promise<void> {
    const payload = { ...signalSender(by), ...(version === undefined ? {} : { version }) };
    return getExternalWorkflowHandle(changeRequestWorkflowId(requestId)).signal(requestSignals[signal], payload);
  }
}

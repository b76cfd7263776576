// What a contract remembers of the Updates it answered, so a retry with the same key after a continue-as-new
// (Temporal dedupes an update id within a run only) is answered, never applied twice. Workflow code.
import { currentUpdateInfo } from '@temporalio/workflow';
import type { RequestOutcome } from '../domain/change-request.js';
import type { RequestSignal, Transition } from '../domain/commands.js';
import { REMEMBERED_UPDATE_IDS } from '../domain/budgets.js';
import { hexDigest } from '../domain/texts.js';

/**
 * A decision is answered by its request's outcome, which may arrive in a later run: a retry of the same
 * update there answers that outcome, not a refusal of a request no longer pending.
 */
export interface RememberedDecision {
  id: string;
  requestId: string;
  signal: RequestSignal;
}

/** What one run hands the next. */
export interface RememberedCarry {
  appliedUpdateDigests?: string[];
  rememberedDecisions?: RememberedDecision[];
  decisionOutcomes?: [string, RequestOutcome][];
}

/** Decisions remembered across runs: a retry comes within the API's minutes, and decisions are rare. */
const REMEMBERED_DECISIONS = 100;

/** An update id as remembered across runs: 96 bits of SHA-256 (domain/budgets.ts). */
const updateDigest = (id: string): string => hexDigest(id, 12);
const currentDigest = (): string => updateDigest(currentUpdateInfo()?.id ?? '');

export class RememberedAnswers {
  private readonly applied: Set<string>;
  private readonly decisions: Map<string, RememberedDecision>;
  /** How each request the contract closed ended (decisions wait on it). */
  readonly outcomes: Map<string, RequestOutcome>;

  constructor(carry: RememberedCarry = {}) {
    this.applied = new Set(carry.appliedUpdateDigests ?? []);
    this.decisions = new Map((carry.rememberedDecisions ?? []).map((d) => [d.id, d]));
    this.outcomes = new Map(carry.decisionOutcomes ?? []);
  }

  /** A retried update from before a continue-as-new: answered, never applied twice. */
  alreadyApplied(): boolean {
    return this.applied.has(currentDigest());
  }

  /** Called once the current Update's transition is adopted. */
  remember(): void {
    const id = currentUpdateInfo()?.id;
    if (!id) return;
    this.applied.add(updateDigest(id));
    if (this.applied.size > REMEMBERED_UPDATE_IDS) this.applied.delete(this.applied.values().next().value!);
  }

  /** A decision the current Update forwarded to a request's workflow, answered by that request's outcome. */
  rememberDecision(t: Transition): void {
    const id = currentUpdateInfo()?.id;
    const asked = t.effects.find((e) => e.type === 'signalRequest');
    if (!id || asked?.type !== 'signalRequest' || !t.effects.some((e) => e.type === 'awaitOutcome')) return;
    this.decisions.set(updateDigest(id), { id: updateDigest(id), requestId: asked.requestId, signal: asked.signal });
    if (this.decisions.size > REMEMBERED_DECISIONS) this.decisions.delete(this.decisions.keys().next().value!);
  }

  /** A retried decision whose first attempt ran in an earlier run. */
  earlierDecision(): RememberedDecision | undefined {
    return this.decisions.get(currentDigest());
  }

  carry(): Required<RememberedCarry> {
    const decisions = [...this.decisions.values()];
    return {
      appliedUpdateDigests: [...this.applied],
      rememberedDecisions: decisions,
      decisionOutcomes: decisions.flatMap((d) => (this.outcomes.has(d.requestId) ? [[d.requestId, this.outcomes.get(d.requestId)!] as [string, RequestOutcome]] : [])),
    };
  }
}

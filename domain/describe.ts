// What the Temporal UI shows about a contract and its requests: a one-line static summary per
// workflow and the contract's current details in Markdown. Pure, so workflow code, the API and tests
// render the same words; no clock here (the caller passes workflow time).
import type { ContractState, PendingRequest } from './contract.js';
import type { Milestone } from './milestone.js';
import { formatUsd } from './money.js';
import { describeChange, diffLines } from './notice-text.js';
import { isTextRef } from './texts.js';

/** The UI shows summaries on one line; longer text is cut with an ellipsis (the server also caps metadata). */
export const SUMMARY_MAX = 200;

/**
 * A summary is shown as Markdown on the workflow's page (where `$…$` is math) and as plain text in the
 * timeline and the CLI: amounts read "USD 80.00" there, which both show as written.
 */
const cut = (s: string, max = SUMMARY_MAX): string => {
  const plain = s.replace(/\$(?=\d)/g, 'USD ');
  return plain.length <= max ? plain : `${plain.slice(0, max - 1)}…`;
};
/**
 * Markdown-safe for a table cell or a line: user text never breaks the layout, and never becomes a link,
 * an image, HTML or code in the operator's UI (a title `[Dispute evidence](https://evil.example)` must read
 * as written, its target in plain sight). Backslash first, so a user's own backslash cannot undo an escape.
 * Plain-text views (the CLI, the timeline) then show those few characters with a backslash before them.
 */
const cell = (s: string): string => s.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>|~]/g, '\\$&');
/** In Markdown: the UI reads `$…$` as math, so every dollar sign (money, user text) is escaped. */
const md = (s: string): string => cell(s).replaceAll('$', '\\$');
const usd = (cents: number): string => md(formatUsd(cents));

export interface ContractParties {
  title: string;
  clientId: string;
  freelancerId: string;
  /** Display names or emails when the starter knows them (the API does); ids otherwise. */
  clientName?: string;
  freelancerName?: string;
}

/** The contract workflow's static summary, set when it starts: "“Brand identity” · client Ann · freelancer Bo". */
export function contractSummaryLine(p: ContractParties): string {
  const who = (name: string | undefined, id: string) => (name ? `${name} (${id})` : id);
  return cut(`“${cell(p.title)}” · client ${who(p.clientName, p.clientId)} · freelancer ${who(p.freelancerName, p.freelancerId)}`);
}

/** A request workflow's static summary: what it changes, old → new. */
export function requestSummaryLine(request: PendingRequest, milestones: readonly Milestone[]): string {
  if (request.kind === 'proposal') {
    const lines = request.diff ? diffLines(request.diff) : [];
    return cut(`Proposal: ${lines.length ? cell(lines.join('; ')) : 'no changes'}`);
  }
  const m = milestones.find((x) => x.id === request.milestoneId);
  const changes = cell(request.changes.map(describeChange).join('; ')) || 'no changes';
  const name = !m || isTextRef(m.title) ? request.milestoneId ?? '?' : m.title; // the workflow holds references, not titles
  return cut(`Change request on “${cell(name)}”: ${changes}`);
}

/** "7 days", "2 hours", "5 minutes": a timer's length as an operator reads it. */
export function spoken(ms: number): string {
  const units: [number, string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`;
  }
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.max(1, Math.round(ms / 1000))} seconds`;
}

const utc = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

function requestLines(label: string, r: PendingRequest, milestones: readonly Milestone[]): string[] {
  const expiry = r.expiresAt ? `expires ${r.expiresAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}` : 'no expiry (waits for the client)';
  const deciding = r.deciding ? ` · deciding: ${r.deciding}` : '';
  return [
    `**${label}** \`${r.id}\` · version ${r.edits} · sent ${r.createdAt.slice(0, 10)} by \`${r.requestedBy}\` · ${expiry}${deciding}`,
    '',
    // The summary's user text is escaped already (cell); only its dollar signs are left for the math rule.
    `> ${requestSummaryLine(r, milestones).replaceAll('$', '\\$')}`,
  ];
}

/**
 * Which milestones the details list: at most `maxRows`, starting just before the first one not yet paid
 * out (the work in progress), so the cost of rendering them does not grow with the contract.
 */
function shownRange(milestones: readonly Milestone[], maxRows: number): [number, number] {
  if (milestones.length <= maxRows) return [0, milestones.length];
  const open = milestones.findIndex((m) => m.state !== 'released' && m.state !== 'refunded');
  const from = Math.max(0, Math.min((open < 0 ? milestones.length : open) - 2, milestones.length - maxRows));
  return [from, from + maxRows];
}

/**
 * The contract's current details (Markdown), shown on its page in the Temporal UI and refreshed after every
 * accepted transition: milestones with state and amounts (at most `maxRows` of them, around the work in
 * progress), balances, the pending request and its expiry.
 */
export function contractDetails(s: ContractState, asOf: string, maxRows = Infinity): string {
  const b = s.balances;
  const [from, to] = shownRange(s.milestones, maxRows);
  const row = (m: Milestone, i: number) =>
    `| ${i + 1} | ${md(isTextRef(m.title) ? m.id : m.title)} | ${m.state} | ${usd(m.amountCents)} | ${usd(m.fundedCents)} | ${usd(m.releasedCents)} | ${m.dueDate ?? '—'} |`;
  const rows = s.milestones.slice(from, to).map((m, k) => row(m, from + k));
  if (from > 0) rows.unshift(`| … | ${from} earlier milestone(s) | | | | | |`);
  if (to < s.milestones.length) rows.push(`| … | ${s.milestones.length - to} later milestone(s) | | | | | |`);
  const out = [
    `### “${md(s.title)}” — ${s.status}${s.endPrompt ? ' (last milestone released: end or keep open?)' : ''}`,
    `Client \`${s.clientId}\` · Freelancer \`${s.freelancerId}\` · ${s.milestones.length} milestone(s) · seq ${s.seq}`,
    '',
    '| # | Milestone | State | Amount | Funded | Released | Due |',
    '|---|---|---|---|---|---|---|',
    ...(rows.length ? rows : ['| — | no milestones yet | | | | | |']),
    '',
    `**Balances** — escrow ${usd(b.escrowCents)} · project funds ${usd(b.projectFundsCents)} · ` +
      `deposits ${usd(b.depositsCents)} · released ${usd(b.releasesCents)} · refunded ${usd(b.refundsCents)} · ` +
      `fees ${usd(b.feesCents)}`,
    '',
  ];
  if (s.offer?.state === 'pending') out.push(`**Offer** version ${s.offer.version} · waiting for the freelancer · expires ${utc(s.offer.expiresAt)}`, '');
  if (s.changeRequest) out.push(...requestLines('Pending change request', s.changeRequest, s.milestones), '');
  if (s.proposal) out.push(...requestLines('Pending proposal', s.proposal, s.milestones), '');
  if (!s.changeRequest && !s.proposal) out.push('No pending change request or proposal.', '');
  out.push(`_As of ${utc(asOf)} (workflow time)._`);
  return out.join('\n');
}

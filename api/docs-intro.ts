// The reference's introduction (OpenAPI `info.description`, Markdown): the walkthrough's story, the
// conventions, every error code with its meaning and rule, and the rules themselves, which operations
// link to (#description/r4). The rules' text is docs/rules.md's, copied by `npm run api:client` into
// api/rules.generated.json so a deployed API serves it without the docs/ folder beside it.
import { ERROR_CATALOG } from './error-catalog.js';
import { ruleLink } from './openapi.js';
import rules from './rules.generated.json' with { type: 'json' };

const STORY = `
A client hires a freelancer for a logo: **Sketches** for $50.00 and **Final logo** for $80.00.

1. The client sends an offer: \`POST /contracts\` with the freelancer's id and the two milestones (R1, R30).
   The first is deposited at once: $50.00 goes into escrow and the one-time $4.95 initiation fee is charged
   (R7, R9). The contract is \`offered\`; nothing else can happen until the freelancer answers.
2. The freelancer accepts the version he read (\`POST /contracts/{id}/offer/accept\`, \`{"version": 1}\`): the
   contract opens with the first milestone active. Declined, withdrawn or left to expire (7 days unless set),
   the offer ends the contract and every cent deposited goes back to the client.
3. Later milestones are planned in batches (\`/milestones/batch\`, R11; \`/milestones/preview\` shows the
   diff without applying it) and funded one at a time (\`/fund\`, R6).
4. She asks for more work on it: \`POST /contracts/{id}/change-requests\` raising the amount to $60.00 (R14,
   R15). The freelancer approves, naming the version he read (\`{"version": 0}\`, R16); the milestone now
   has a $10.00 shortfall, which the next \`/fund\` tops up (R17).
5. The freelancer submits the work (\`/milestones/m1/submit\`); the client releases $40.00 of it
   (\`/milestones/m1/release\`, R8). The $20.00 left stays as project funds.
6. Funding the second milestone takes those $20.00 first (R7). Releasing it, the last one, answers
   \`prompt: "END_OR_KEEP_OPEN"\` (R22); the client ends the contract (\`/end\`).
7. Both read the contract's history (\`/contracts/{id}/history\`) and their messages (\`/messages\`, R24).

When it goes otherwise: submitted work starts the contract's review window (\`reviewWindowDays\`, 14 unless
set at creation); with no release and no revision request (\`/milestones/{id}/request-revisions\`, R26) the work
is released when it ends (R25). The client may ask for escrow back (\`/milestones/{id}/refund-requests\`), which
the freelancer accepts or declines (R27). Either party may open a dispute (\`/milestones/{id}/disputes\`): the
milestone's money freezes until an operator resolves it with an operator token (\`/operator/…\`, R28).
`;

const CONVENTIONS = `
- **Authentication**: \`Authorization: Bearer <token>\`; a 401 carries \`WWW-Authenticate: Bearer\`. A user token, a platform key
  (\`mcpk_…\`: a marketplace's backend; with \`On-Behalf-Of: <userId>\` it acts for one of its platform's users within its scopes
  \`users:read\`, \`users:write\`, \`contracts:act\`, \`operator\`, and the history says \`platform:<keyId> for <userId>\`), or a JWT from
  the marketplace's own sign-in (its \`sub\` is the user's \`externalId\`). Users, tokens, platforms and keys: the Users and Platforms tags.
- **Money** is integer cents (USD): a number whose value has a fraction (\`1000.5\`) is refused (400
  NUMBER_NOT_INTEGER); \`1000.0\` is the integer 1000, as JSON Schema counts. A milestone is 500 to
  100000000 cents (R4).
- **Writes need an \`Idempotency-Key\`** (1–255 printable ASCII characters; a UUID is best). The same key and
  body replay the first answer with \`Idempotent-Replayed: true\`; another body with the key is 422; while
  the first request runs, 409 with \`Retry-After\`. Keys last 24 hours. A 503 means "not answered yet,
  nothing lost": retry with the same key after \`Retry-After\`.
- **Lists** return \`{ object: "list", data, hasMore, nextCursor }\`; pass \`limit\` (1–100) and
  \`startingAfter=<nextCursor>\`.
- **Batches** (\`/milestones/batch\`, \`/milestones/preview\`, \`/proposals\`): all or nothing (R11). A
  \`reorder\` lists the new order of the **pending** milestones only (funded and released ones keep their
  place, R12): their ids, and the \`ref\` of a milestone added earlier in the same batch.
- **Every response** has a \`Request-Id\` (yours if you send a valid one), also in problem \`instance\` and the
  logs. Authenticated answers are \`Cache-Control: no-store\`.
- **Errors** are RFC 9457 \`application/problem+json\` with a stable \`code\` and the \`rule\` broken.
`;

function errorTable(): string {
  const rows = Object.entries(ERROR_CATALOG)
    .sort(([a, x], [b, y]) => x.status - y.status || a.localeCompare(b))
    .map(([code, e]) => `| ${e.status} | \`${code}\` | ${e.meaning} | ${e.rule ? ruleLink(e.rule) : ''} |`);
  return ['| status | code | meaning | rule |', '|---|---|---|---|', ...rows].join('\n');
}

const rulesSection = (): string => rules.map((r) => `### ${r.id}\n\n${r.text}`).join('\n\n');

export const introduction = (): string => [
  'Milestone-based freelance contracts on durable workflows.',
  '## The story', STORY.trim(),
  '## Conventions', CONVENTIONS.trim(),
  '## Error codes', errorTable(),
  '## Rules', rulesSection(),
].join('\n\n');

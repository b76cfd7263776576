// Every problem `code` an integrator can meet, with its status, meaning and rule: rendered in the API
// reference's introduction. test/api/error-catalog.test.ts fails when a code used in the source is
// missing here, so the table cannot fall behind the code.
export interface ErrorEntry {
  status: number;
  meaning: string;
  rule?: string;
}

export const ERROR_CATALOG: Record<string, ErrorEntry> = {
  // 400: the request is malformed; nothing was stored, fix it and send it again.
  INVALID_REQUEST: { status: 400, meaning: 'A field, parameter or query value is malformed; `errors[]` names each.' },
  MALFORMED_JSON: { status: 400, meaning: 'The body is not valid JSON.' },
  NUMBER_NOT_INTEGER: { status: 400, meaning: 'A number whose value has a fraction (`1000.5`, `1e-1`); cents are whole.', rule: 'R4' },
  NUMBER_TOO_LARGE: { status: 400, meaning: 'A whole number too large to be read exactly (`1e400`); amounts are at most 100000000 cents.', rule: 'R4' },
  MALFORMED_PATH: { status: 400, meaning: 'The path is not valid percent-encoding.' },
  MALFORMED_BODY_ENCODING: { status: 400, meaning: 'The body does not decode with its Content-Encoding.' },
  BODY_LENGTH_MISMATCH: { status: 400, meaning: 'The body\'s length does not match Content-Length.' },
  BODY_ABORTED: { status: 400, meaning: 'The client stopped sending the body.' },
  BAD_REQUEST: { status: 400, meaning: 'The request could not be read.' },
  INVALID_CURSOR: { status: 400, meaning: '`startingAfter` is not a cursor this list gave you.' },
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, meaning: 'A write without an Idempotency-Key.' },
  IDEMPOTENCY_KEY_INVALID: { status: 400, meaning: 'The Idempotency-Key is not 1–255 printable ASCII characters.' },
  VERSION_REQUIRED: { status: 400, meaning: 'An answer to a request must name the version it answers.', rule: 'R16' },
  SENDER_REQUIRED: { status: 400, meaning: 'Signals only: a signal names the operator who sends it, `operatorId` (and may name the party, `actorId`).' },
  WEBHOOK_SIGNATURE_INVALID: { status: 400, meaning: 'Stripe\'s webhook only: the Stripe-Signature header does not verify.', rule: 'R31' },
  INVALID_SENDER: { status: 400, meaning: 'Signals only: the sender is not a well-formed id.' },
  // 402: the payment provider refused the money movement.
  PAYMENT_DECLINED: { status: 402, meaning: 'The client\'s payment method was declined (`declineCode` says why); nothing was charged or '
    + 'held. Update the payment method and fund again.', rule: 'R31' },
  // 401, 403, 404
  UNAUTHENTICATED: { status: 401, meaning: 'No bearer token, or one that is unknown, revoked or expired, a deactivated user\'s, or a JWT '
    + 'that does not verify or whose subject is no user of the platform.' },
  ON_BEHALF_OF_NOT_ALLOWED: { status: 400, meaning: '`On-Behalf-Of` with a user token or JWT: only a platform key acts for someone else.' },
  ON_BEHALF_OF_REQUIRED: { status: 403, meaning: 'A platform key on a route that acts as a user, without `On-Behalf-Of`.' },
  ON_BEHALF_OF_UNKNOWN: { status: 403, meaning: '`On-Behalf-Of` names no user of the key\'s platform: the same answer for an unknown id and another platform\'s user.' },
  SCOPE_MISSING: { status: 403, meaning: 'The platform key lacks the scope this request needs (`detail` lists those it holds).' },
  USER_DEACTIVATED: { status: 403, meaning: 'Acting for, or issuing a token to, a deactivated user.' },
  PLATFORM_MISMATCH: { status: 403, meaning: 'A platform key creates users of its own platform only.' },
  FORBIDDEN_FOR_ROLE: { status: 403, meaning: 'The other party\'s command (docs/rules.md, "Who may do what").' },
  UNKNOWN_OPERATOR: { status: 403, meaning: 'Signals only: `operatorId` is not an operator\'s user id; nothing was done.' },
  OPERATOR_ONLY: { status: 403, meaning: 'An operator route with a party\'s token; platforms, keys and (without a platform key) users are operators\' too.', rule: 'R28' },
  OPERATOR_NOT_A_PARTY: { status: 403, meaning: 'An operator (the caller) is never a client or a freelancer of a contract.', rule: 'R28' },
  NOT_FOUND: { status: 404, meaning: 'No such route, contract, request or message, or you are not a party to it.' },
  CONTRACT_NOT_FOUND: { status: 404, meaning: 'No such contract, or you are not a party to it.' },
  MILESTONE_NOT_FOUND: { status: 404, meaning: 'The milestone is not in this contract (422 with R11 when a batch names it).' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'The path exists, the method does not: `Allow` lists those that do.' },
  // 409: the contract's state does not allow it now.
  USER_EXISTS: { status: 409, meaning: 'The email is in use, or your platform already gave this `externalId`.' },
  KEY_NOT_ACTIVE: { status: 409, meaning: 'Rotating a revoked or expired platform key.' },
  CONTRACT_ENDED: { status: 409, meaning: 'The contract has ended and accepts no changes.', rule: 'R3' },
  CONTRACT_EXISTS: { status: 409, meaning: 'The contract was already created.' },
  IDEMPOTENCY_REQUEST_IN_PROGRESS: { status: 409, meaning: 'A request with this key is still running; retry after `Retry-After`.' },
  REQUEST_ALREADY_RESOLVED: { status: 409, meaning: 'The request was decided otherwise before your decision reached it.', rule: 'R18' },
  REQUEST_NOT_PENDING: { status: 409, meaning: 'The request is no longer pending.' },
  MILESTONE_NOT_PENDING: { status: 409, meaning: 'Only pending milestones can be edited, deleted or reordered.', rule: 'R5' },
  MILESTONE_ALREADY_FUNDED: { status: 409, meaning: 'A milestone is already active; fund the next one after its release.', rule: 'R6' },
  MILESTONE_NOT_ACTIVE: { status: 409, meaning: 'Work is submitted and change requests are made on the active milestone only.', rule: 'R5' },
  MILESTONE_NOT_FUNDED: { status: 409, meaning: 'Payment is released from a funded milestone only.', rule: 'R5' },
  MILESTONE_IN_PROGRESS: { status: 409, meaning: 'Project funds cannot be withdrawn while a milestone is funded.', rule: 'R23' },
  WORK_ALREADY_SUBMITTED: { status: 409, meaning: 'The milestone\'s work was submitted; no change request now.', rule: 'R15' },
  CHANGE_REQUEST_PENDING: { status: 409, meaning: 'One change request at a time; a refund request on its milestone waits for it too (R27).',
    rule: 'R15' },
  CHANGE_REQUEST_CHANGED: { status: 409, meaning: 'The request was edited since the version you answer; `currentVersion` says which.', rule: 'R16' },
  CHANGE_REQUEST_BEING_DECIDED: { status: 409, meaning: 'A decision on the request is in flight; no edit now.', rule: 'R16' },
  DECISION_IN_FLIGHT: { status: 409, meaning: 'Another decision on this request is in flight.', rule: 'R16' },
  NO_PENDING_CHANGE_REQUEST: { status: 409, meaning: 'There is no pending change request with this id.', rule: 'R16' },
  PROPOSAL_PENDING: { status: 409, meaning: 'One proposal at a time; the plan is locked while it is pending.', rule: 'R21' },
  NO_PENDING_PROPOSAL: { status: 409, meaning: 'There is no pending proposal with this id.', rule: 'R20' },
  NO_PENDING_MILESTONE: { status: 409, meaning: 'No pending milestone to fund.', rule: 'R6' },
  NOTHING_TO_DECIDE: { status: 409, meaning: 'End or keep open is asked only after the last release.', rule: 'R22' },
  SHORTFALL_UNFUNDED: { status: 409, meaning: 'Fund the shortfall (`shortfallCents`) before a full release.', rule: 'R17' },
  MILESTONE_NOT_SUBMITTED: { status: 409, meaning: 'Revisions are requested on submitted work only.', rule: 'R26' },
  MILESTONE_PARTLY_REFUNDED: { status: 409, meaning: 'Part of the escrow was refunded by agreement; no change request now.', rule: 'R27' },
  REFUND_PENDING: { status: 409, meaning: 'A refund request is pending: one at a time, a change request waits for it, and a release '
    + 'leaves its amount (`refundCents`) held.',
    rule: 'R27' },
  NO_PENDING_REFUND: { status: 409, meaning: 'There is no pending refund request with this id on the milestone.', rule: 'R27' },
  MILESTONE_DISPUTED: { status: 409, meaning: 'The milestone has an open dispute: its money is frozen until an operator resolves it.',
    rule: 'R28' },
  DEPOSIT_PENDING: { status: 409, meaning: 'A deposit is confirming at the payment provider (a bank debit): money and plan changes '
    + 'wait until its webhook confirms or fails it. Work, reviews and disputes go on.', rule: 'R31' },
  DISPUTE_OPEN: { status: 409, meaning: 'The milestone already has an open dispute.', rule: 'R28' },
  REVIEW_WINDOW_ENDED: { status: 409, meaning: 'The review window has ended: the funded amount is released automatically; no release, revision '
    + 'request, dispute or refund request on that milestone from the end on (`reviewEndsAt`).', rule: 'R25' },
  NO_OPEN_DISPUTE: { status: 409, meaning: 'The dispute is not open on this milestone.', rule: 'R28' },
  ENDPOINT_DISABLED: { status: 409, meaning: 'A redelivery to a disabled webhook endpoint: enable it first.', rule: 'R29' },
  IDEMPOTENT_SECRET_GONE: { status: 409, meaning: 'A replayed registration or rotation whose secret no longer signs (deleted, rotated '
    + 'twice since, or rotated since and the overlap ended): use a new key.', rule: 'R29' },
  IDEMPOTENCY_KEY_USED: { status: 409, meaning: 'An Idempotency-Key that already registered an endpoint which still exists: use a new key.',
    rule: 'R29' },
  // 413, 415
  BODY_TOO_LARGE: { status: 413, meaning: 'The body is over 256 KB.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'A body that is not `application/json`.' },
  UNSUPPORTED_CHARSET: { status: 415, meaning: 'A charset other than UTF-8 (or one the server cannot read).' },
  UNSUPPORTED_CONTENT_ENCODING: { status: 415, meaning: 'A Content-Encoding other than gzip, deflate or identity.' },
  // 422: the rules refuse it.
  SAME_PARTY: { status: 422, meaning: 'Client and freelancer are different users.', rule: 'R1' },
  FREELANCER_NOT_FOUND: { status: 422, meaning: 'No freelancer you can contract with has this id: the same answer whether it names no '
    + 'user, an operator, a deactivated user or another platform\'s user.', rule: 'R1' },
  PLATFORM_NOT_FOUND: { status: 422, meaning: 'An operator created a user of a platform that does not exist.' },
  INVALID_TITLE: { status: 422, meaning: 'A title is 1 to 200 characters of storable text.', rule: 'R11' },
  INVALID_DESCRIPTION: { status: 422, meaning: 'A description is at most 5000 characters of storable text.', rule: 'R11' },
  INVALID_DUE_DATE: { status: 422, meaning: 'A due date is a calendar date that exists, YYYY-MM-DD.', rule: 'R13' },
  INVALID_ID: { status: 422, meaning: 'An id is 1 to 100 letters, digits, `_`, `.` or `-`.' },
  INVALID_REF: { status: 422, meaning: 'A batch `ref` is 1 to 64 characters.', rule: 'R11' },
  DUPLICATE_REF: { status: 422, meaning: 'A `ref` is used twice in one batch.', rule: 'R11' },
  INVALID_BATCH: { status: 422, meaning: 'A batch operation is malformed.', rule: 'R11' },
  EMPTY_BATCH: { status: 422, meaning: 'The batch changes nothing.', rule: 'R11' },
  INVALID_ORDER: { status: 422, meaning: 'A reorder lists every pending milestone exactly once, and only those.', rule: 'R12' },
  MILESTONE_LIMIT: { status: 422, meaning: 'A contract holds at most 200 milestones.', rule: 'R2' },
  AMOUNT_NOT_CENTS: { status: 422, meaning: 'An amount is a whole number of cents.', rule: 'R4' },
  AMOUNT_TOO_SMALL: { status: 422, meaning: 'A milestone is at least $5.00 (500 cents).', rule: 'R4' },
  AMOUNT_TOO_LARGE: { status: 422, meaning: 'A milestone is at most $1,000,000.00 (100000000 cents).', rule: 'R4' },
  RELEASE_EXCEEDS_FUNDED: { status: 422, meaning: 'A release is at most what the milestone holds.', rule: 'R5' },
  INVALID_PAYMENTS: { status: 422, meaning: 'A contract\'s payments are `ledger` or `stripe` (set from the service\'s configuration).', rule: 'R31' },
  INVALID_FEE: { status: 422, meaning: 'The initiation fee is whole cents, 0 or more.', rule: 'R9' },
  INVALID_REVIEW_WINDOW: { status: 422, meaning: 'A review window is a whole number of days, 1 to 30.', rule: 'R25' },
  INVALID_DAY_LENGTH: { status: 422, meaning: 'A contract workflow started with a shortened day (a test environment\'s option, never set by the API) '
    + 'names whole milliseconds from 1000 to a real day; the workflow fails at once otherwise.', rule: 'R25' },
  INVALID_MESSAGE: { status: 422, meaning: 'A revision request\'s message is 1 to 2000 characters of storable text.', rule: 'R26' },
  INVALID_REASON: { status: 422, meaning: 'A reason is storable text: at most 2000 characters (refunds R27, disputes and their '
    + 'resolutions R28, where it is required), 500 for an operator\'s decision (R16).' },
  REFUND_EXCEEDS_ESCROW: { status: 422, meaning: 'A refund is at most what the milestone holds.', rule: 'R27' },
  INVALID_SPLIT: { status: 422, meaning: 'Amounts are given for a split only; release and refund move everything held.', rule: 'R28' },
  SPLIT_MUST_SUM_TO_ESCROW: { status: 422, meaning: 'A split\'s `releaseCents` and `refundCents` sum to what is held (`escrowCents`).',
    rule: 'R28' },
  FEATURE_NOT_ENABLED: { status: 403, meaning: 'Change requests are not enabled for this client.', rule: 'R14' },
  INVALID_COMMAND: { status: 422, meaning: 'The command is malformed.', rule: 'R14' },
  INVALID_CHANGES: { status: 422, meaning: 'A change request changes title, description, due date or amount only.', rule: 'R15' },
  EMPTY_CHANGE: { status: 422, meaning: 'The change request changes nothing.', rule: 'R15' },
  INVALID_VERSION: { status: 422, meaning: 'A version is a whole number, 0 or more.', rule: 'R16' },
  PROPOSAL_REORDER: { status: 422, meaning: 'A proposal adds, edits or deletes; it does not reorder.', rule: 'R20' },
  NO_PROJECT_FUNDS: { status: 409, meaning: 'There are no project funds to withdraw.', rule: 'R23' },
  INSUFFICIENT_PROJECT_FUNDS: { status: 422, meaning: 'The withdrawal is more than the project funds.', rule: 'R23' },
  INVALID_OUTCOME: { status: 422, meaning: 'An outcome other than approved, rejected, withdrawn, canceled or expired.' },
  COMMAND_TOO_LARGE: { status: 422, meaning: 'A command carries more than 256 KB of text (an Update sent outside the API); send smaller batches.',
    rule: 'R11' },
  RULE_VIOLATION: { status: 422, meaning: 'The workflow refused the command with a failure that names no code; `detail` says why. '
    + 'Nothing was changed.' },
  INVALID_DATA: { status: 422, meaning: 'PostgreSQL refused a value in this command; nothing was changed.' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, meaning: 'This key was used with another request; use a new key.' },
  IDEMPOTENCY_KEY_EXPIRED: { status: 422, meaning: 'This key is more than 24 hours old: its answer is gone and it never runs a second '
    + 'request. Check the outcome with a GET, then use a new key.' },
  WEBHOOK_TARGET_REFUSED: { status: 422, meaning: 'The URL cannot receive webhooks: not https, or a private, loopback or link-local address.', rule: 'R29' },
  TOO_MANY_ENDPOINTS: { status: 422, meaning: 'At most 20 webhook endpoints per account.', rule: 'R29' },
  // 429, 500, 503
  RATE_LIMITED: { status: 429, meaning: 'Too many requests from your address or token; retry after `Retry-After`.' },
  INTERNAL: { status: 500, meaning: 'A bug; the Request-Id finds it in the logs.' },
  PERSISTENCE_FAILED: { status: 500, meaning: 'The command could not be stored; nothing was changed.' },
  COMMAND_TIMEOUT: { status: 503, meaning: 'Not answered within the deadline; retry with the same Idempotency-Key.' },
  PROJECTION_BEHIND: { status: 503, meaning: 'The contract\'s accepted commands are not yet all stored for reading: a read that named a `seq` '
    + '(`Contract-Min-Seq`, `minSeq`) waited 5 s for it, or a command was held back because 50 are waiting (nothing was done). Retry after `Retry-After`.' },
  CONTRACT_HANDING_OVER: { status: 503, meaning: 'The contract was moving to a fresh run of its workflow (it does so every few thousand '
    + 'events; it takes milliseconds) and the API\'s own retries did not outlast it; nothing was done. Retry with the same Idempotency-Key.' },
  DECISION_PENDING: { status: 503, meaning: 'The decision was sent; its outcome has not arrived yet. Retry with the same key.' },
  PAYMENT_NOT_RECORDED_YET: { status: 503, meaning: 'Stripe\'s webhook only: the event names a payment this service has not recorded '
    + 'yet (its charge is still returning); Stripe sends the event again.', rule: 'R31' },
  PAYMENT_PROVIDER_UNAVAILABLE: { status: 503, meaning: 'The payment provider did not answer; nothing was held. Retry with the same '
    + 'Idempotency-Key: the charge is never made twice.', rule: 'R31' },
  SIGN_IN_UNAVAILABLE: { status: 503, meaning: 'The JWT could not be checked: the sign-in\'s key set could not be fetched. Retry.' },
  UNAVAILABLE: { status: 503, meaning: 'PostgreSQL or Temporal is unavailable; retry with the same Idempotency-Key.' },
};

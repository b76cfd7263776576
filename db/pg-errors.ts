// Which PostgreSQL failures can heal, by SQLSTATE class, so a retry is spent only where it can help.
// Errors reach us in several shapes: pg's own (`code` = SQLSTATE), the Prisma adapter's (`originalCode`,
// or a `kind` for sockets), Prisma's (`P…` codes, with the adapter's error as `meta.driverAdapterError`
// or a `cause`), and Node's socket errors. All are searched; the first SQLSTATE found decides.

/** SQLSTATE classes that heal on retry: connection, transaction rollback, resources, operator intervention. */
const RETRYABLE_CLASSES = new Set(['08', '40', '53', '57']);
/** The Prisma adapter's names for socket-level failures and rolled-back transactions. */
const RETRYABLE_KINDS = new Set([
  'DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionWriteConflict', 'TlsConnectionError',
]);
/** Prisma: can't reach / timed out / closed / pool timeout / transaction closed / write conflict or deadlock. */
const RETRYABLE_PRISMA = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034']);
const RETRYABLE_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
/**
 * pg reports a lost connection without a code; a statement sent on a connection that already ended (the
 * server restarted mid-transaction) fails with "Client has encountered a connection error and is not queryable".
 */
const LOST_CONNECTION =
  /connection terminated|connection (is )?closed|timeout exceeded when trying to connect|can't reach database|query read timeout|not queryable/i;

const SQLSTATE = /^[0-9A-Z]{5}$/;
const PRISMA_CODE = /^P\d{4}$/;

export type PgFailure =
  /** Connection loss, serialization failure, deadlock, shutdown: retry (the keyed writes make it safe). */
  | { retryable: true; sqlState: string | undefined; reason: string }
  /** Class 22: a value the database refuses; the command is refused, nothing was written. */
  | { retryable: false; code: 'INVALID_DATA'; sqlState: string | undefined; reason: string }
  /** Class 23 (the workflow asked for a state the rules forbid) and anything unknown: a bug. */
  | { retryable: false; code: 'PERSISTENCE_FAILED'; sqlState: string | undefined; reason: string };

interface Found {
  sqlState?: string;
  prisma?: string;
  node?: string;
  kind?: string;
}

/** Walks the error's own fields and causes (bounded depth: error graphs can be cyclic). */
function search(err: unknown, found: Found = {}, depth = 0): Found {
  if (depth > 6 || typeof err !== 'object' || err === null) return found;
  const e = err as Record<string, unknown>;
  for (const key of ['originalCode', 'code']) {
    const v = e[key];
    if (typeof v !== 'string') continue;
    // Prisma's codes (P1001) also look like SQLSTATEs: test them first.
    if (PRISMA_CODE.test(v)) found.prisma ??= v;
    else if (SQLSTATE.test(v)) found.sqlState ??= v;
    else if (RETRYABLE_NODE.has(v)) found.node ??= v;
  }
  if (typeof e.kind === 'string' && e.kind !== 'postgres') found.kind ??= e.kind;
  for (const key of ['cause', 'meta', 'driverAdapterError', 'error']) search(e[key], found, depth + 1);
  return found;
}

export function classifyPgError(err: unknown): PgFailure {
  const f = search(err);
  const reason = err instanceof Error ? err.message : String(err);
  const sqlState = f.sqlState;
  if (sqlState) {
    const cls = sqlState.slice(0, 2);
    if (RETRYABLE_CLASSES.has(cls)) return { retryable: true, sqlState, reason };
    if (cls === '22') return { retryable: false, code: 'INVALID_DATA', sqlState, reason };
    return { retryable: false, code: 'PERSISTENCE_FAILED', sqlState, reason };
  }
  const heals =
    (f.kind !== undefined && RETRYABLE_KINDS.has(f.kind)) ||
    (f.prisma !== undefined && RETRYABLE_PRISMA.has(f.prisma)) ||
    f.node !== undefined ||
    LOST_CONNECTION.test(reason);
  if (heals) return { retryable: true, sqlState: undefined, reason };
  return { retryable: false, code: 'PERSISTENCE_FAILED', sqlState: undefined, reason };
}

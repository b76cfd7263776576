// Faults injected into the real PostgreSQL by triggers the test creates: a persistence attempt made
// slow, or refused with a given SQLSTATE, for one contract's rows only (other suites share the
// database). Attempts are counted with a sequence, which a rollback does not undo, so "the first
// attempt" or "the first two attempts" holds however the activity's transaction ends.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type FaultTable = 'audit_events' | 'milestones';

export interface Fault {
  /** Attempts the trigger has seen so far. */
  attempts(): Promise<number>;
  remove(): Promise<void>;
}

const UUID = /^[0-9a-f-]{36}$/i;
const SAFE = /^[\w .-]{1,100}$/;

export class Faults {
  private readonly sql: pg.Client;
  private readonly installed = new Set<string>();

  private constructor(url: string) {
    this.sql = new pg.Client({ connectionString: url });
    this.sql.on('error', () => {}); // a stopped server surfaces on the next query instead
  }

  static async connect(url: string): Promise<Faults> {
    const f = new Faults(url);
    await f.sql.connect();
    return f;
  }

  query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<T>> {
    return this.sql.query<T>(text, values);
  }

  /**
   * The first attempt to write this contract's row into `table` names its session `tag` (visible in
   * pg_stat_activity) and sleeps, holding its transaction open; later attempts pass.
   */
  slowFirstAttempt(opts: { table: FaultTable; contractId: string; tag: string; seconds: number }): Promise<Fault> {
    return this.install(opts.table, opts.contractId, (seq) => `
      IF nextval('${seq}') = 1 THEN
        PERFORM set_config('application_name', '${safe(opts.tag)}', false);
        PERFORM pg_sleep(${Number(opts.seconds)});
      END IF;`);
  }

  /** The first `times` attempts to write this contract's row into `table` fail with `sqlstate`. */
  failFirstAttempts(opts: { table: FaultTable; contractId: string; sqlstate: string; times: number }): Promise<Fault> {
    return this.install(opts.table, opts.contractId, (seq) => `
      IF nextval('${seq}') <= ${Number(opts.times)} THEN
        RAISE EXCEPTION 'injected fault % for %', '${safe(opts.sqlstate)}', NEW.contract_id USING ERRCODE = '${safe(opts.sqlstate)}';
      END IF;`);
  }

  /** Every write of a milestone of this contract titled `title` fails with `sqlstate`. */
  refuseTitle(opts: { contractId: string; title: string; sqlstate: string }): Promise<Fault> {
    return this.install('milestones', opts.contractId, (seq) => `
      IF NEW.title = '${safe(opts.title)}' THEN
        PERFORM nextval('${seq}');
        RAISE EXCEPTION 'injected data error for title %', NEW.title USING ERRCODE = '${safe(opts.sqlstate)}';
      END IF;`);
  }

  /**
   * Resolves when a transaction that wrote this contract's row into `table` commits: PostgreSQL delivers a
   * NOTIFY only at commit, so a test can act in the moment after a write became durable.
   */
  async committed(opts: { table: FaultTable; contractId: string }): Promise<{ seen: Promise<void>; fault: Fault }> {
    const channel = `commit_${randomBytes(6).toString('hex')}`;
    await this.sql.query(`LISTEN ${channel}`);
    const seen = new Promise<void>((resolve) => {
      const onNote = (n: pg.Notification) => {
        if (n.channel !== channel) return;
        this.sql.off('notification', onNote);
        resolve();
      };
      this.sql.on('notification', onNote);
    });
    const fault = await this.install(opts.table, opts.contractId, (seq) => `
      PERFORM nextval('${seq}');
      PERFORM pg_notify('${channel}', NEW.contract_id);`);
    return { seen, fault };
  }

  /** Ends the sessions named `tag` (a client that died leaves its session sleeping on the server). */
  async terminate(tag: string): Promise<number> {
    const { rows } = await this.sql.query<{ ok: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [tag]);
    return rows.filter((r) => r.ok).length;
  }

  /** Resolves once a session named `tag` is sleeping in pg_sleep. */
  async sleeping(tag: string, timeoutMs = 20_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const { rows } = await this.sql.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event = 'PgSleep'", [tag]);
      if (rows[0]) return rows[0].pid;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no session ${tag} started sleeping within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    for (const name of this.installed) await this.drop(name).catch(() => {});
    await this.sql.end().catch(() => {});
  }

  private async install(table: FaultTable, contractId: string, body: (seq: string) => string): Promise<Fault> {
    if (!UUID.test(contractId)) throw new Error(`not a contract id: ${contractId}`);
    const name = `test_fault_${randomBytes(6).toString('hex')}`;
    await this.sql.query(`CREATE SEQUENCE ${name}_attempts`);
    await this.sql.query(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${body(`${name}_attempts`)}
        RETURN NEW;
      END $fn$`);
    await this.sql.query(`
      CREATE TRIGGER ${name} BEFORE INSERT OR UPDATE ON ${table}
      FOR EACH ROW WHEN (NEW.contract_id = '${contractId}') EXECUTE FUNCTION ${name}()`);
    this.installed.add(`${table}:${name}`);
    return {
      attempts: async () => {
        const { rows } = await this.sql.query<{ n: string }>(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM ${name}_attempts`);
        return Number(rows[0]!.n);
      },
      remove: async () => {
        await this.drop(`${table}:${name}`);
      },
    };
  }

  private async drop(entry: string): Promise<void> {
    const [table, name] = entry.split(':') as [string, string];
    await this.sql.query(`DROP TRIGGER IF EXISTS ${name} ON ${table}`);
    await this.sql.query(`DROP FUNCTION IF EXISTS ${name}()`);
    await this.sql.query(`DROP SEQUENCE IF EXISTS ${name}_attempts`);
    this.installed.delete(entry);
  }
}

function safe(s: string): string {
  if (!SAFE.test(s)) throw new Error(`not safe to inline into SQL: ${s}`);
  return s;
}

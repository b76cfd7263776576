// Driver adapter handed to the Wasm schema engine: the stock `PrismaPg` factory from
// @prisma/adapter-pg 7.10.1, with three defects worked around. Every patch below is
// only needed because the schema engine (unlike the query engine) runs catalog
// introspection, multi-statement migration scripts and shadow databases through it.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

const TEXT_OID = 25;
// Defect 1: adapter-pg maps result columns to Prisma column types by OID and throws
// `UnsupportedNativeDataType` for catalog-only types. The engine's introspection
// queries read pg_catalog columns typed `"char"` (e.g. pg_class.relkind,
// pg_constraint.contype) and reg* types, so `migrate dev/diff/status` die while
// describing the database. pg already returns these as plain strings, so reporting
// them as `text` is lossless.
const TEXT_LIKE_OIDS = new Set([
  18, // "char"
  19, // name
  24, // regproc
  194, // pg_node_tree
  2205, // regclass
  2206, // regtype
  4089, // regnamespace
]);

function assertInternals(obj, members) {
  for (const m of members) {
    if (typeof obj[m] === 'undefined') {
      throw new Error(
        `prisma/offline-engine: @prisma/adapter-pg internals changed (missing "${m}"); ` +
          're-check the workarounds in prisma/offline-engine/pg-adapter.mjs',
      );
    }
  }
}

const CHAR_OID = 18;
// Defect 1b: a `"char"` column reported as text reaches the engine as a string, but the describer reads
// pg_constraint.contype with get_expect_char and panics on a string (sql-schema-describer postgres.rs,
// get_constraints) — whenever the database has a CHECK constraint. Those columns are reported to the
// engine as ColumnType Character (6 in @prisma/driver-adapter-utils), which it reads as a char.
const CHARACTER_COLUMN_TYPE = 6;

function patchColumnTypes(queryable) {
  assertInternals(queryable, ['performIO', 'queryRaw']);
  const charColumns = new WeakMap();
  const performIO = queryable.performIO.bind(queryable);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    // A multi-statement simple query (e.g. `prisma db execute`) yields an array.
    for (const r of Array.isArray(result) ? result : [result]) {
      (r?.fields ?? []).forEach((field, i) => {
        if (field.dataTypeID === CHAR_OID && query && typeof query === 'object') {
          charColumns.set(query, [...(charColumns.get(query) ?? []), i]);
        }
        if (TEXT_LIKE_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
      });
    }
    return result;
  };
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(query) ?? []) result.columnTypes[i] = CHARACTER_COLUMN_TYPE;
    return result;
  };
  return queryable;
}

function patchAdapter(adapter) {
  assertInternals(adapter, ['client', 'onError', 'startTransaction', 'executeScript']);
  patchColumnTypes(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (...args) => patchColumnTypes(await startTransaction(...args));

  // Defect 3: adapter-pg's executeScript() does `script.split(';')`, which corrupts
  // any migration with `;` inside a string literal, a comment, or a `$$ ... $$`
  // function body. Sending the whole script as ONE simple-protocol query lets
  // PostgreSQL do the statement splitting, which is also what the native engine does
  // (same implicit-transaction semantics as a native `migrate deploy`).
  adapter.executeScript = async (script) => {
    try {
      await adapter.client.query(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  return adapter;
}

/** `?schema=` is a Prisma URL convention; adapter-pg wants it as an option instead. */
function adapterOptions(url) {
  try {
    const schema = new URL(url).searchParams.get('schema');
    return schema ? { schema } : undefined;
  } catch {
    return undefined;
  }
}

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

function dbIdentity(url) {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}/${decodeURIComponent(u.pathname.slice(1))}`;
}

// The native engine empties a configured shadow database before replaying migrations
// into it; the Wasm engine does not (it assumes the adapter hands it an empty database),
// so leftovers from a previous run fail with "relation ... already exists". Mirror the
// native behaviour, including its refusal to use the main database as the shadow one.
async function resetConfiguredShadowDb(shadowUrl, mainUrl) {
  if (mainUrl && dbIdentity(shadowUrl) === dbIdentity(mainUrl)) {
    throw new Error('The shadow database you configured appears to be the same as the main database. Please specify another shadow database.');
  }
  const schema = adapterOptions(shadowUrl)?.schema ?? 'public';
  const client = new pg.Client({ connectionString: shadowUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
    );
    const q = (id) => `"${id.replaceAll('"', '""')}"`;
    const drops = rows.map((r) => `DROP SCHEMA ${q(r.nspname)} CASCADE;`).join('\n');
    await client.query(`${drops}\nCREATE SCHEMA IF NOT EXISTS ${q(schema)};`);
  } finally {
    await client.end().catch(() => {});
  }
}

export class OfflinePgAdapterFactory {
  provider = 'postgres';
  adapterName = '@prisma/adapter-pg';

  /** @param {{ url?: string, shadowDatabaseUrl?: string }} datasource */
  constructor(datasource) {
    this.url = datasource.url;
    this.shadowDatabaseUrl = datasource.shadowDatabaseUrl;
  }

  #requireUrl() {
    if (!this.url) {
      const e = new Error('The datasource.url property is required in your Prisma config file (env DATABASE_URL).');
      e.code = 'P1012';
      throw e;
    }
    return this.url;
  }

  async connect() {
    const url = this.#requireUrl();
    return patchAdapter(await new PrismaPg({ connectionString: url }, adapterOptions(url)).connect());
  }

  // Defect 2: adapter-pg's connectToShadowDb() builds the shadow pool as
  // `{ connectionString, database: <shadow> }`; pg lets the connection string win, so
  // the "shadow" pool is the MAIN database (migrations replayed on top of the real
  // schema => P3006 "type/relation already exists"). Its cleanup also issues
  // DROP DATABASE while its own pool still holds connections. We build a URL that
  // really points at the throwaway database, close its pool first, then drop it
  // WITH (FORCE). If datasource.shadowDatabaseUrl is configured we use that instead.
  async connectToShadowDb() {
    if (this.shadowDatabaseUrl) {
      const url = this.shadowDatabaseUrl;
      await resetConfiguredShadowDb(url, this.url);
      return patchAdapter(await new PrismaPg({ connectionString: url }, adapterOptions(url)).connect());
    }
    const url = this.#requireUrl();
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${database}"`);
    } catch (error) {
      await admin.end().catch(() => {});
      throw error;
    }
    const dropShadow = async () => {
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await admin.end().catch(() => {});
      }
    };
    let shadow;
    try {
      shadow = await new PrismaPg({ connectionString: withDatabase(url, database) }, adapterOptions(url)).connect();
    } catch (error) {
      await dropShadow().catch(() => {});
      throw error;
    }
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      try {
        await dispose(); // ends the shadow pool first...
      } finally {
        await dropShadow(); // ...so the DROP cannot be blocked by our own sessions.
      }
    };
    return patchAdapter(shadow);
  }
}

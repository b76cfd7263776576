#!/usr/bin/env node
// Stand-in for Prisma's native `schema-engine` binary, for machines that cannot
// download it from binaries.prisma.sh. The prisma 7.10.1 CLI only knows how to spawn
// a schema-engine *executable* (PRISMA_SCHEMA_ENGINE_BINARY) and talk JSON-RPC to it
// over stdio; there is no config option that makes it use the Wasm engine. So this
// script speaks that same stdio protocol and forwards each call to the Wasm build of
// the schema engine, which reaches PostgreSQL through @prisma/adapter-pg.
//
// Engine build: prisma@7.10.1 ships the Wasm schema engine of its exact engines commit
// (node_modules/prisma/build/schema_engine_bg.wasm) but not its JS bindings; the
// bindings come from @prisma/schema-engine-wasm (pinned in package.json; same
// wasm-bindgen ABI). If the bundled .wasm is missing or from another commit we fall
// back to the .wasm inside @prisma/schema-engine-wasm.
/* global WebAssembly */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { OfflinePgAdapterFactory } from './pg-adapter.mjs';

const require = createRequire(import.meta.url);
const prismaDir = path.dirname(require.resolve('prisma/package.json'));
const expectedVersion = createRequire(path.join(prismaDir, 'package.json'))('@prisma/engines-version').enginesVersion;

// ---------------------------------------------------------------- stderr logging
// The CLI parses stderr as JSON lines shaped like the Rust `tracing` output.
function log(level, message, extra = {}) {
  process.stderr.write(
    JSON.stringify({ timestamp: new Date().toISOString(), level, fields: { message, ...extra }, target: 'schema_engine::logger' }) + '\n',
  );
}

// ---------------------------------------------------------------- argv
function parseArgs(argv) {
  const out = { datamodels: [], datasource: undefined, cli: undefined, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--version' || a === '-V') out.version = true;
    else if (a === '--datamodels') out.datamodels.push(argv[++i]);
    else if (a === '--datasource') out.datasource = JSON.parse(argv[++i]);
    else if (a === '--enabled-preview-features' || a === '--extension-types') i++; // not supported by the Wasm engine
    else if (a === 'cli') out.cli = argv[++i];
  }
  return out;
}

// ---------------------------------------------------------------- wasm engine
// The wasm bindings report a Rust panic's message through this global (the CLI sets it up for its own
// wasm modules, not for this process); without it a panic surfaces only as "Cannot read set_message".
globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
  message: '',
  set_message(m) {
    this.message = m;
    process.stderr.write(`schema engine panic: ${m}\n`);
  },
  get() {
    return this.message;
  },
};

async function loadSchemaEngineModule() {
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glueUrl = pathToFileURL(gluePath).href;
  const candidates = [
    path.join(prismaDir, 'build', 'schema_engine_bg.wasm'),
    path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'),
  ];
  for (const [i, file] of candidates.entries()) {
    if (!fs.existsSync(file)) continue;
    // Fresh copy of the bindings per attempt: they cache views of the wasm memory.
    const glue = await import(`${glueUrl}?candidate=${i}`);
    const module = new WebAssembly.Module(fs.readFileSync(file));
    const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': glue });
    glue.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    const v = glue.version();
    if (v === expectedVersion || file === candidates[candidates.length - 1]) {
      if (v !== expectedVersion) log('WARN', `offline schema engine: using wasm ${v}, CLI expects ${expectedVersion}`);
      return glue;
    }
    // Wrong commit: fall through and re-instantiate from the next candidate.
  }
  throw new Error('offline schema engine: no schema_engine_bg.wasm found');
}

// ---------------------------------------------------------------- errors
function isPanic(e) {
  return e instanceof WebAssembly.RuntimeError || e?.name === 'RuntimeError';
}

function toRpcError(e, registry) {
  // Errors thrown by JS inside the adapter come back from the engine as "External error id#N".
  const m = /External error id#(\d+)/.exec(String(e?.message ?? ''));
  const original = m && registry?.consumeError?.(Number(m[1]))?.error;
  if (original) e = original;
  if (isPanic(e)) {
    return { code: 4466, message: 'An error happened. Check the data field for details.', data: { is_panic: true, message: String(e.message), backtrace: e.stack } };
  }
  const data = { is_panic: false, message: String(e?.message ?? e), meta: e?.meta ?? null };
  if (typeof e?.code === 'string' && /^P\d{4}$/.test(e.code)) data.error_code = e.code;
  return { code: 4466, message: 'An error happened. Check the data field for details.', data };
}

// ---------------------------------------------------------------- `cli <command>` mode
// Used by the CLI outside JSON-RPC (e.g. `migrate dev` creating a missing database).
function pgErrorToPrisma(e, url) {
  const u = new URL(url);
  const where = `${u.hostname}:${u.port || 5432}`;
  const db = decodeURIComponent(u.pathname.slice(1)) || 'postgres';
  if (e.code === '3D000') return { error_code: 'P1003', message: `Database \`${db}\` does not exist on the database server at \`${where}\`.` };
  if (e.code === '28P01' || e.code === '28000') return { error_code: 'P1000', message: `Authentication failed against database server at \`${where}\`.` };
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(e.code)) return { error_code: 'P1001', message: `Can't reach database server at \`${where}\`` };
  return { message: String(e.message) };
}

async function withClient(url, database, fn) {
  const u = new URL(url);
  if (database !== undefined) u.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabase(url) {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  let lastError;
  for (const maintenanceDb of ['postgres', 'template1']) {
    try {
      await withClient(url, maintenanceDb, (c) => c.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`));
      return name;
    } catch (e) {
      if (e.code === '42P04') return name; // already exists
      lastError = e;
    }
  }
  throw lastError;
}

async function runCliCommand(command, datasource) {
  const url = datasource?.url;
  log('INFO', `offline schema engine cli ${command}`);
  try {
    if (!url) throw Object.assign(new Error('Missing datasource url'), { code: 'P1012' });
    if (command === 'can-connect-to-database') await withClient(url, undefined, (c) => c.query('SELECT 1'));
    else if (command === 'create-database') process.stdout.write(`Database '${await createDatabase(url)}' was successfully created.\n`);
    else if (command === 'drop-database') {
      const name = decodeURIComponent(new URL(url).pathname.slice(1));
      await withClient(url, 'postgres', (c) => c.query(`DROP DATABASE "${name.replaceAll('"', '""')}"`));
    } else throw new Error(`offline schema engine: unsupported cli command ${command}`);
    return 0;
  } catch (e) {
    const f = url && !e.code?.startsWith?.('P') ? pgErrorToPrisma(e, url) : { error_code: e.code, message: String(e.message) };
    log('ERROR', f.message, f.error_code ? { error_code: f.error_code } : {});
    return 1;
  }
}

// ---------------------------------------------------------------- JSON-RPC mode
async function runRpc(args) {
  const datasource = args.datasource ?? {};
  const datamodels = args.datamodels.map((p) => [p, fs.readFileSync(p, 'utf8')]);
  const factory = bindMigrationAwareSqlAdapterFactory(new OfflinePgAdapterFactory(datasource));

  let enginePromise;
  const engine = () =>
    (enginePromise ??= loadSchemaEngineModule().then((mod) =>
      // `datamodels` must be undefined or non-empty.
      mod.SchemaEngine.new({ datamodels: datamodels.length ? datamodels : undefined }, (msg) => process.stderr.write(String(msg).trimEnd() + '\n'), factory),
    ));

  const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
  let nextOutgoingId = 1_000_000;
  const pendingOutgoing = new Map();
  // The native engine prints `migrate diff` output via a `print` request to the CLI;
  // the Wasm engine returns it as `stdout` instead.
  const printViaCli = (content) =>
    new Promise((resolve) => {
      const id = nextOutgoingId++;
      pendingOutgoing.set(id, resolve);
      send({ jsonrpc: '2.0', id, method: 'print', params: { content } });
    });

  const methods = {
    getDatabaseVersion: async (p) => (await engine()).version(p ?? null),
    createDatabase: async (p) => ({ databaseName: await createDatabase(p?.datasource?.url ?? datasource.url) }),
    diff: async (p) => {
      const { stdout, ...rest } = await (await engine()).diff(p);
      if (stdout) await printViaCli(stdout.replace(/\n$/, ''));
      return rest;
    },
    debugPanic: async () => (await engine()).debugPanic(),
  };

  let queue = Promise.resolve();
  const handle = async (req) => {
    try {
      let result;
      if (methods[req.method]) result = await methods[req.method](req.params);
      else {
        const e = await engine();
        if (typeof e[req.method] !== 'function') throw new Error(`offline schema engine: method ${req.method} is not supported by the Wasm engine`);
        result = await e[req.method](req.params); // keep the call on `e` (wasm-bindgen `this`)
      }
      send({ jsonrpc: '2.0', id: req.id, result: result ?? null });
    } catch (e) {
      if (!isPanic(e)) log('INFO', `request ${req.method} failed: ${e?.message ?? e}`, { error_name: e?.name, error_code: e?.code });
      send({ jsonrpc: '2.0', id: req.id, error: toRpcError(e, factory.errorRegistry) });
      if (isPanic(e)) setTimeout(() => process.exit(101), 50); // instance is poisoned
    }
  };

  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      log('ERROR', `offline schema engine: could not parse request: ${line.slice(0, 200)}`);
      return;
    }
    if (msg.method === undefined && pendingOutgoing.has(msg.id)) {
      pendingOutgoing.get(msg.id)(msg.result);
      pendingOutgoing.delete(msg.id);
      return;
    }
    queue = queue.then(() => handle(msg));
  });
  rl.on('close', () => {
    queue.finally(() => process.exit(0));
  });
}

const args = parseArgs(process.argv.slice(2));
if (args.version) {
  process.stdout.write(`schema-engine-cli ${expectedVersion}\n`);
} else if (args.cli) {
  process.exitCode = await runCliCommand(args.cli, args.datasource);
} else {
  await runRpc(args);
}

// The Temporal CLI's dev server (SQLite file, Web UI), with the product's search attributes registered.
import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { searchAttributeFlags } from './search-attributes.js';
import { temporalBinary } from './tools.js';

export interface DevServerOptions {
  port: number;
  uiPort: number;
  dbFile: string;
  /** The codec server the Web UI decodes payloads through (its browser calls it directly). */
  codecEndpoint?: string;
}

export interface RunningTemporal {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}


/**
 * Dynamic configuration the product relies on: eager activity execution hands a command's persistence to
 * the worker that accepted it in the reply to its workflow task (one round trip fewer per command).
 */
export const devServerDynamicConfig = ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'];

export async function startTemporalDevServer(opts: DevServerOptions): Promise<RunningTemporal> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--ui-port', String(opts.uiPort),
    '--db-filename', opts.dbFile, '--log-level', 'warn', '--namespace', 'default'];
  args.push(...searchAttributeFlags(), ...devServerDynamicConfig);
  if (opts.codecEndpoint) args.push('--ui-codec-endpoint', opts.codecEndpoint);
  const child = spawn(temporalBinary('temporal'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await waitForPort(opts.port, 30_000, exited, () => stderr);
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, exited: Promise<number | null>, log: () => string) {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`temporal dev server exited during start:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`temporal dev server did not open port ${port} within ${timeoutMs} ms:\n${log()}`);
}

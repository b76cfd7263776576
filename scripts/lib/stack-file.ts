// What a running `npm run up` tells other commands (`npm run user:create`, the ops guide's scripts): the
// embedded database's URL, Temporal's address and the API's. Written when the stack is up, removed when
// it stops. A managed DATABASE_URL is never written here: its credentials stay in the environment.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './tools.js';

export interface StackFile {
  pid: number;
  /** Only for the embedded PostgreSQL. */
  databaseUrl?: string;
  temporalAddress: string;
  apiUrl: string;
  /** The bearer token GET /metrics needs (METRICS_TOKEN, or one up made for this run). */
  metricsToken?: string;
}

/** STACK_FILE moves it (tests run a stack beside a developer's). */
export const stackFilePath = (): string => process.env.STACK_FILE ?? join(root, '.data', 'stack.json');

export function writeStackFile(stack: StackFile): void {
  writeFileSync(stackFilePath(), `${JSON.stringify(stack, null, 2)}\n`);
}

export function removeStackFile(): void {
  rmSync(stackFilePath(), { force: true });
}

/** The running stack's file, or undefined when there is none or its process is gone. */
export function readStackFile(): StackFile | undefined {
  const file = stackFilePath();
  if (!existsSync(file)) return undefined;
  const stack = JSON.parse(readFileSync(file, 'utf8')) as StackFile;
  try {
    process.kill(stack.pid, 0); // signal 0 only asks whether the process exists
    return stack;
  } catch {
    return undefined;
  }
}

/** DATABASE_URL, else the embedded database of a running `npm run up`; the error says what to do. */
export function databaseUrlOrEmbedded(): string {
  const url = process.env.DATABASE_URL ?? readStackFile()?.databaseUrl;
  if (!url) {
    throw new Error(`DATABASE_URL is not set and no \`npm run up\` with the embedded database is running (${stackFilePath()}): ` +
      'start `npm run up` in another terminal, or set DATABASE_URL');
  }
  return url;
}

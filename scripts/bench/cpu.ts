// CPU time of the processes that serve commands, read from /proc (Linux only): for each process, utime +
// stime, plus cutime + cstime (the children it has reaped: PostgreSQL's postmaster reaps its backends, so
// a backend's time stays counted after it exits). Processes are found by walking the bench process's
// descendants: the worker, the API and the floor worker are named by pid (with their descendants), the
// Temporal dev server and PostgreSQL by their command name. The bench process itself (the load driver) and
// anything else (autocannon's child) are not counted.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export const CPU_ROLES = ['temporal', 'worker', 'api', 'postgres', 'floorWorker'] as const;
export type CpuRole = (typeof CPU_ROLES)[number];
export type CpuSnapshot = Record<CpuRole, number>;

interface ProcStat { pid: number; ppid: number; comm: string; ms: number }

let tickMs: number | undefined;
function msPerTick(): number {
  if (tickMs === undefined) {
    let hz = 100;
    try {
      hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      // getconf missing: Linux's USER_HZ is 100 on every mainstream architecture.
    }
    tickMs = 1000 / hz;
  }
  return tickMs;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // exited between the listing and the read
  }
  // The command name is in parentheses and may contain spaces or parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return { pid, ppid: Number(f[1]), comm, ms: ticks * msPerTick() };
}

export const cpuAvailable = (): boolean => process.platform === 'linux' && readStat(process.pid) !== null;

/** Milliseconds of CPU so far per role; `pids` names the processes started for a role. */
export function cpuSnapshot(pids: Partial<Record<CpuRole, number>>): CpuSnapshot {
  const all: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) all.push(s);
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map(Object.entries(pids).map(([role, pid]) => [pid, role as CpuRole]));
  const out = Object.fromEntries(CPU_ROLES.map((r) => [r, 0])) as CpuSnapshot;
  const walk = (pid: number, inherited: CpuRole | undefined, depth: number) => {
    if (depth > 32) return; // a process tree is shallow; this bounds a pathological one
    for (const child of children.get(pid) ?? []) {
      const role = byPid.get(child.pid) ?? inherited
        ?? (child.comm.startsWith('postgres') ? 'postgres' : child.comm.startsWith('temporal') ? 'temporal' : undefined);
      if (role) out[role] += child.ms;
      walk(child.pid, role, depth + 1);
    }
  };
  walk(process.pid, undefined, 0);
  return out;
}

/** Every live descendant of this process (pid and command name), from /proc; empty where /proc is unreadable. */
export function descendants(): { pid: number; comm: string }[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const all = names.filter((n) => /^\d+$/.test(n)).map((n) => readStat(Number(n))).filter((s): s is ProcStat => s !== null);
  const found: { pid: number; comm: string }[] = [];
  const walk = (pid: number, depth: number) => {
    if (depth > 32) return;
    for (const s of all) if (s.ppid === pid) {
      found.push({ pid: s.pid, comm: s.comm });
      walk(s.pid, depth + 1);
    }
  };
  walk(process.pid, 0);
  return found;
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot & { total: number } {
  const d = Object.fromEntries(CPU_ROLES.map((r) => [r, after[r] - before[r]])) as CpuSnapshot;
  return { ...d, total: CPU_ROLES.reduce((sum, r) => sum + d[r], 0) };
}

// Keeps one child process of `npm run up` running, as a process manager would in production: a process
// that exits on its own is started again after a backoff, and one that keeps crashing stops the stack
// with a message instead of restarting for ever. Stopping (Ctrl-C) never restarts anything.
import type { ChildProcess } from 'node:child_process';

export interface RestartPolicy {
  /** Wait before the first restart; each further crash within the window doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** This many crashes within `windowMs` means the process cannot run: give up. */
  maxCrashes: number;
  windowMs: number;
}

// A second is enough for a port to be released; 30 s keeps a crash loop from burning the CPU; five crashes
// in a minute is no transient fault (a worker takes seconds to start, so it is not a slow start either).
export const UP_POLICY: RestartPolicy = { initialDelayMs: 1000, maxDelayMs: 30_000, maxCrashes: 5, windowMs: 60_000 };

export type Decision = { action: 'restart'; delayMs: number; recent: number } | { action: 'give-up'; recent: number };

/** What to do after a crash at `now`, given the earlier crashes' times (which it prunes to the window). */
export function afterCrash(crashes: number[], now: number, policy: RestartPolicy): Decision {
  const recent = [...crashes.filter((t) => now - t < policy.windowMs), now];
  crashes.splice(0, crashes.length, ...recent);
  if (recent.length >= policy.maxCrashes) return { action: 'give-up', recent: recent.length };
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (recent.length - 1));
  return { action: 'restart', delayMs, recent: recent.length };
}

export interface SupervisorOptions {
  policy?: RestartPolicy;
  log?: (line: string) => void;
  /** Called once when the process keeps crashing; `up` stops the stack with this message. */
  onGiveUp: (message: string) => void;
}

export class Supervisor {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly crashes: number[] = [];
  private readonly policy: RestartPolicy;
  private readonly log: (line: string) => void;

  constructor(readonly name: string, private readonly start: () => ChildProcess, private readonly options: SupervisorOptions) {
    this.policy = options.policy ?? UP_POLICY;
    this.log = options.log ?? ((line) => console.error(line));
  }

  /** Starts the process; from now on an exit that `stop()` did not ask for restarts it. */
  run(): this {
    this.spawn();
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): void {
    const child = this.start();
    this.child = child;
    this.log(`${this.name} started (pid ${child.pid})`);
    child.once('exit', (code, signal) => this.exited(child, signal ?? code));
  }

  private exited(child: ChildProcess, status: NodeJS.Signals | number | null): void {
    if (this.stopping || child !== this.child) return;
    const decision = afterCrash(this.crashes, Date.now(), this.policy);
    const within = `${decision.recent} crash(es) within ${this.policy.windowMs / 1000} s`;
    if (decision.action === 'give-up') {
      this.stopping = true;
      const message = `${this.name} exited (${status}) ${within}: giving up; see its output above`;
      this.log(message);
      this.options.onGiveUp(message);
      return;
    }
    this.log(`${this.name} exited (${status}); restarting in ${decision.delayMs / 1000} s (${within})`);
    this.timer = setTimeout(() => this.stopping || this.spawn(), decision.delayMs);
  }

  /** Stops the process (SIGTERM, SIGKILL after `graceMs`) and any pending restart. */
  stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => (clearTimeout(kill), resolve()));
      child.kill('SIGTERM');
    });
  }
}

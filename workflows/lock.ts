// A workflow-safe mutex: handlers that await an activity and then mutate state run one at a time, in
// arrival order, so two in-flight commands never interleave their read-modify-write.
import { condition } from '@temporalio/workflow';

export class Lock {
  private held = false;
  private queue: number[] = [];
  private next = 0;

  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const ticket = this.next++;
    this.queue.push(ticket);
    await condition(() => !this.held && this.queue[0] === ticket);
    this.queue.shift();
    this.held = true;
    try {
      return await fn();
    } finally {
      this.held = false;
    }
  }
}

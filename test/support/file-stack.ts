// The stack most API test files share: started before the file's tests, stopped after them. `use`
// receives it and an HTTP caller for its API; `cleanup` runs before the stop (a Schedule the file made).
import { afterAll, beforeAll } from 'vitest';
import { http } from './http.js';
import { type Stack, startStack } from './stack.js';
import type { WebhookSettings } from '../../webhooks/settings.js';

export function stackPerFile(
  use: (stack: Stack, call: ReturnType<typeof http>) => void,
  opts: { webhooks?: WebhookSettings; cleanup?: (stack: Stack) => Promise<unknown> } = {},
): void {
  let started: Stack | undefined;
  beforeAll(async () => {
    started = await startStack(opts.webhooks ? { webhooks: opts.webhooks } : {});
    use(started, http(started.baseUrl));
  });
  afterAll(async () => {
    if (started && opts.cleanup) await opts.cleanup(started).catch(() => undefined);
    await started?.stop();
  });
}

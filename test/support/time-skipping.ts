// One official time-skipping test server per test file (skipped time is global to a server), with the
// product's search attributes registered, since the workflows upsert them.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes } from '../../scripts/lib/search-attributes.js';
import { shared } from './context.js';
import { quietRuntime } from './runtime.js';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: shared('testServerPath') } },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

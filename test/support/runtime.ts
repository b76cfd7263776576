// Worker logs at WARN in tests: state-change chatter buries the failures that matter.
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;
export function quietRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

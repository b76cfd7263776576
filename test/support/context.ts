// Typed access to what test/global-setup.ts provides (vitest's ProvidedContext augmentation does not
// resolve under NodeNext here, so the keys are listed once in this file instead).
import { inject } from 'vitest';

export interface SharedContext {
  databaseUrl: string;
  temporalAddress: string;
  workflowBundlePath: string;
  testServerPath: string;
}

export const shared = <K extends keyof SharedContext>(key: K): SharedContext[K] =>
  (inject as unknown as (k: string) => SharedContext[K])(key);

// How big a run is. `npm run test:faults` is the full run (the figures in docs/reliability.md); `-- --quick` is
// the CI variant: a handful of kills and one restart of each server, in a few minutes.
export const QUICK = process.env.FAULTS_PROFILE === 'quick';

/** The API's deadline (COMMAND_TIMEOUT_MS): the product's default, so the figures are the product's. */
export const COMMAND_TIMEOUT_MS = 15_000;

export interface Profile {
  name: 'quick' | 'full';
  /** killEveryMs: the pause before each kill is drawn from this range (the replacement starts meanwhile). */
  worker: { kills: number; lifecycles: number; concurrency: number; maxMinutes: number; killEveryMs: [number, number] };
  postgres: { restarts: number; lifecycles: number; concurrency: number; downMs: number };
  temporal: { restarts: number; lifecycles: number; concurrency: number; downMs: number };
  api: { kills: number; lifecycles: number; concurrency: number };
  email: { lifecycles: number; concurrency: number };
  /** R31: lifecycles with money through stripe-mock while the provider fails requests and workers are killed. */
  provider: { lifecycles: number; concurrency: number; kills: number };
}

export const profile: Profile = QUICK
  ? {
    name: 'quick',
    worker: { kills: 6, lifecycles: 10, concurrency: 6, maxMinutes: 3, killEveryMs: [1_500, 6_000] },
    postgres: { restarts: 1, lifecycles: 8, concurrency: 6, downMs: 5_000 },
    temporal: { restarts: 1, lifecycles: 8, concurrency: 6, downMs: 5_000 },
    api: { kills: 2, lifecycles: 8, concurrency: 6 },
    email: { lifecycles: 8, concurrency: 6 },
    provider: { lifecycles: 8, concurrency: 6, kills: 2 },
  }
  : {
    name: 'full',
    worker: { kills: 100, lifecycles: 200, concurrency: 16, maxMinutes: 12, killEveryMs: [3_000, 9_000] },
    postgres: { restarts: 3, lifecycles: 30, concurrency: 10, downMs: 5_000 },
    temporal: { restarts: 2, lifecycles: 24, concurrency: 10, downMs: 5_000 },
    api: { kills: 10, lifecycles: 30, concurrency: 10 },
    email: { lifecycles: 40, concurrency: 10 },
    provider: { lifecycles: 30, concurrency: 10, kills: 6 },
  };

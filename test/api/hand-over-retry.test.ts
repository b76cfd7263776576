// The API sends an Update again while the contract refuses it for a run hand-over, a bounded number of
// times, and never for any other refusal. (The hand-over itself, against a real workflow, is proven in
// test/workflow/continue-as-new.test.ts, whose driver sends commands through this same function.)
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { isHandingOver, throughHandOver } from '../../api/hand-over-retry.js';
import { HANDING_OVER } from '../../workflows/hand-over.js';

const refused = (type: string) => new WorkflowUpdateFailedError('refused', ApplicationFailure.create({ type, nonRetryable: true }));

describe('hand-over retry', () => {
  it('sends again while the contract hands over, then answers what the next run says', async () => {
    let calls = 0;
    const answer = await throughHandOver(async () => {
      calls += 1;
      if (calls < 3) throw refused(HANDING_OVER);
      return 'answered';
    });
    expect([answer, calls]).toEqual(['answered', 3]);
  });

  it('gives up after five tries with the refusal (503 CONTRACT_HANDING_OVER), and never retries another refusal', async () => {
    let calls = 0;
    const err = await throughHandOver(async () => {
      calls += 1;
      throw refused(HANDING_OVER);
    }).catch((e: unknown) => e);
    expect([isHandingOver(err), calls]).toEqual([true, 5]);

    calls = 0;
    const other = await throughHandOver(async () => {
      calls += 1;
      throw refused('PROJECTION_BEHIND');
    }).catch((e: unknown) => e);
    expect([isHandingOver(other), calls]).toEqual([false, 1]);
  });
});

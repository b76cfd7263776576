// A workflow interceptor for one replay test: within each activation it applies activity results before
// Updates, the reverse of the SDK's own order (signals and Updates first). Workflow code whose commands
// depended on that order would replay differently under it.
import type { ActivateInput, Next, WorkflowInterceptorsFactory, WorkflowInternalsInterceptor } from '@temporalio/workflow';

class ActivityResultsFirst implements WorkflowInternalsInterceptor {
  activate(input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>): void {
    const jobs = input.activation.jobs ?? [];
    const results = jobs.filter((j) => j.resolveActivity);
    if (!results.length || !jobs.some((j) => j.doUpdate)) return next(input);
    input.activation.jobs = [...results, ...jobs.filter((j) => !j.resolveActivity)];
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ internals: [new ActivityResultsFirst()] });

/**
 * Work that shares a key runs in batches, one batch of a key at a time: a job whose key is idle runs at
 * once, alone; jobs that arrive while their key's batch runs wait for it and then run together as the
 * next batch, in arrival order, at most `maxBatch` at a time. Under no contention nothing waits; under
 * contention the jobs that would have queued on the same lock share one turn of it.
 */
export class KeyedBatches<J, R> {
  private readonly waiting = new Map<string, Waiter<J, R>[]>();

  constructor(
    private readonly maxBatch: number,
    /** Runs one batch; settles each job by its position (a rejection settles them all with it). */
    private readonly runBatch: (jobs: readonly J[]) => Promise<PromiseSettledResult<R>[]>,
  ) {}

  submit(key: string, job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push({ job, resolve, reject });
        return;
      }
      const started = [{ job, resolve, reject }];
      this.waiting.set(key, started);
      void this.drain(key, started);
    });
  }

  private async drain(key: string, queue: Waiter<J, R>[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      let outcomes: PromiseSettledResult<R>[];
      try {
        outcomes = await this.runBatch(batch.map((waiter) => waiter.job));
      } catch (error) {
        outcomes = batch.map(() => ({ status: 'rejected', reason: error }));
      }
      batch.forEach((waiter, index) => {
        const outcome = outcomes[index];
        if (outcome?.status === 'fulfilled') waiter.resolve(outcome.value);
        else waiter.reject(outcome ? outcome.reason : new Error('the batch gave no outcome for this job'));
      });
    }
    this.waiting.delete(key);
  }
}

interface Waiter<J, R> {
  readonly job: J;
  resolve(value: R): void;
  reject(reason: unknown): void;
}

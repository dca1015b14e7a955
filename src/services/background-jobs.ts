/**
 * The hub's periodic work in this process: webhook delivery, the token expiry check, retention sweeps.
 * Each job runs alone (never overlapping itself), again at once while it reports more work, and
 * otherwise after its interval. Several processes and nodes run the same jobs: each is safe to run
 * concurrently with itself elsewhere (deliveries and mapping jobs are claimed row by row), and an
 * `exclusive` one runs in one process per interval, the one that gets its lease.
 */
export interface BackgroundJob {
  readonly name: string;
  readonly intervalMs: number;
  /** Delay before the first run; defaults to the interval. */
  readonly firstRunAfterMs?: number;
  /** True when work remains and the job should run again without waiting. */
  readonly run: () => Promise<boolean>;
  /**
   * How long a wake may wait, so that the wakes of a burst (a commit each) are served by one run; 0 (the
   * default) runs at once.
   */
  readonly wakeWithinMs?: number;
  /** Called on stop, before waiting for a run in progress: cut long waits short. */
  readonly interrupt?: () => void;
  /** Runs in one process of the hub per interval: the one whose `claim` of the job succeeds. */
  readonly exclusive?: boolean;
}

export class BackgroundJobs {
  private readonly timers = new Map<string, { readonly timer: NodeJS.Timeout; readonly at: number }>();
  private readonly running = new Set<Promise<void>>();
  /** Jobs woken while they ran: they run again within their `wakeWithinMs` of the run's end. */
  private readonly woken = new Set<string>();
  private stopped = false;

  constructor(
    private readonly jobs: readonly BackgroundJob[],
    private readonly onError: (job: string, error: unknown) => void,
    /** Takes an exclusive job's lease for one interval; false when another process holds it. */
    private readonly claim: (job: BackgroundJob) => Promise<boolean> = async () => true,
  ) {}

  start(): void {
    for (const job of this.jobs) this.schedule(job, job.firstRunAfterMs ?? job.intervalMs);
  }

  /**
   * Runs the job within its `wakeWithinMs` rather than after its interval (new work arrived); while it
   * runs, again that soon after.
   */
  wake(name: string): void {
    const job = this.jobs.find((candidate) => candidate.name === name);
    if (!job || this.stopped) return;
    const scheduled = this.timers.get(name);
    if (scheduled === undefined) {
      this.woken.add(name);
      return;
    }
    const withinMs = job.wakeWithinMs ?? 0;
    if (scheduled.at <= performance.now() + withinMs) return;
    clearTimeout(scheduled.timer);
    this.timers.delete(name);
    this.schedule(job, withinMs);
  }

  /** No new runs; interrupts the jobs and waits for runs in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const job of this.jobs) job.interrupt?.();
    await Promise.all(this.running);
  }

  private schedule(job: BackgroundJob, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(job.name);
      const run = this.runOnce(job);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, delayMs);
    // A forgotten stop() must not keep the process alive.
    timer.unref();
    this.timers.set(job.name, { timer, at: performance.now() + delayMs });
  }

  private async runOnce(job: BackgroundJob): Promise<void> {
    let more = false;
    try {
      if (!job.exclusive || (await this.claim(job))) more = await job.run();
    } catch (error) {
      this.onError(job.name, error);
    }
    const woken = this.woken.delete(job.name);
    this.schedule(job, more ? 0 : woken ? (job.wakeWithinMs ?? 0) : job.intervalMs);
  }
}

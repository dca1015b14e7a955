export interface BatchQueueOptions<T> {
  /** Items waiting to be written; beyond it new ones are dropped (and reported) rather than held in memory. */
  readonly maxQueued: number;
  /** Items per write. */
  readonly batchSize: number;
  /** How long an item waits for others to share its write. */
  readonly flushDelayMs: number;
  /** Writes one batch; a rejection drops the batch (reported through `onDropped`). */
  readonly write: (batch: T[]) => Promise<void>;
  /** Told about items that could not be written (queue full, write failed). */
  readonly onDropped: (count: number, reason: unknown) => void;
}

/**
 * A bounded queue written in batches in the background: `submit` never waits and never throws, a full
 * batch or the delay starts a flush, and flushes run one after another.
 */
export class BatchQueue<T> {
  private readonly queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The last flush started; the next one runs after it. */
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: BatchQueueOptions<T>) {}

  submit(item: T): void {
    if (this.queue.length >= this.options.maxQueued) {
      this.options.onDropped(1, new Error(`the queue is full (${this.options.maxQueued} entries)`));
      return;
    }
    this.queue.push(item);
    if (this.queue.length >= this.options.batchSize) {
      void this.flush();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushDelayMs);
      this.timer.unref();
    }
  }

  /** Writes everything queued so far; resolves when it is written (or dropped). Never rejects. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeQueued());
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchSize);
      try {
        await this.options.write(batch);
      } catch (error) {
        this.options.onDropped(batch.length, error);
      }
    }
  }
}

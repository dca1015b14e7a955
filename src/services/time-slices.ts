/** How long a loop over a tenant's users runs before it gives the event loop back. */
export const SLICE_MS = 50;

/**
 * Long loops over users (impact diffs, re-applies) work in slices: every SLICE_MS they yield to the
 * event loop, so other tenants' requests are served between slices instead of after the whole batch.
 */
export class TimeSlices {
  private started = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  async yieldIfDue(): Promise<void> {
    if (performance.now() - this.started < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.started = performance.now();
  }
}

/** A tenant's turn: passing it (once; later calls do nothing) hands it to the tenant's next waiter. */
export interface Turn {
  /** Passes the turn now, or `afterMs` later (pacing: the tenant's work keeps its share of the time). */
  pass(afterMs?: number): void;
}

/** A place in a tenant's line: leaving it before the turn comes means the turn never comes. */
export interface Place {
  leave(): void;
}

/** How long to rest after work of `workMs` so that work keeps to `share` of the time: `workMs * (1 / share - 1)`. */
export function restToKeepShare(workMs: number, share: number): number {
  return workMs * (1 / share - 1);
}

/** The place of work that began at once: nothing to leave. */
const SERVED: Place = { leave: () => undefined };

interface Waiter {
  readonly begin: (turn: Turn) => void;
}

/**
 * One turn at a time per tenant, with at most `waitingAtMost` of the tenant's work waiting behind it in
 * the order it came; tenants never wait for each other. For work whose cost one tenant's input decides
 * (a large GraphQL body, a read no index pins): one tenant's flood then queues in its own line instead
 * of taking the process from everyone.
 */
export class TenantTurns {
  /** Per tenant holding the turn: those waiting for it. */
  private readonly lines = new Map<string, Waiter[]>();

  constructor(
    private readonly waitingAtMost: number,
    /** For `run` and `restAfter`: the share of the time a tenant's work may take; work shorter than `fromMs` passes the turn at once. */
    private readonly pacing: { readonly share: number; readonly fromMs: number } = { share: 1, fromMs: 0 },
  ) {}

  /**
   * Calls `begin` with the tenant's turn: at once when no work of the tenant holds it, else once those
   * ahead have passed it. Undefined (and `begin` is never called) when the tenant's line is full.
   */
  enter(tenantId: string, begin: (turn: Turn) => void): Place | undefined {
    const waiting = this.lines.get(tenantId);
    if (!waiting) {
      this.lines.set(tenantId, []);
      begin(this.turnOf(tenantId));
      return SERVED;
    }
    if (waiting.length >= this.waitingAtMost) return undefined;
    const waiter: Waiter = { begin };
    waiting.push(waiter);
    return {
      leave: () => {
        const at = waiting.indexOf(waiter);
        if (at >= 0) waiting.splice(at, 1);
      },
    };
  }

  /** The tenant's turn as a promise; undefined when the tenant's line is full. */
  wait(tenantId: string): Promise<Turn> | undefined {
    let grant!: (turn: Turn) => void;
    const turn = new Promise<Turn>((resolve) => (grant = resolve));
    return this.enter(tenantId, grant) ? turn : undefined;
  }

  /**
   * Runs `work` in the tenant's turn, then keeps the turn for the rest of the tenant's share: after work
   * of `d` ms, the tenant's next starts `d * (1 / share - 1)` ms later. Undefined when the line is full.
   */
  run<T>(tenantId: string, work: () => Promise<T>): Promise<T> | undefined {
    const waiting = this.wait(tenantId);
    if (!waiting) return undefined;
    return waiting.then(async (turn) => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        turn.pass(this.restAfter(performance.now() - started));
      }
    });
  }

  /** How long a turn is kept after work of `workMs` so that the tenant's work keeps to its share. */
  restAfter(workMs: number): number {
    return workMs >= this.pacing.fromMs ? restToKeepShare(workMs, this.pacing.share) : 0;
  }

  private turnOf(tenantId: string): Turn {
    let passed = false;
    const handOn = () => {
      const waiting = this.lines.get(tenantId);
      const next = waiting?.shift();
      if (next) next.begin(this.turnOf(tenantId));
      else this.lines.delete(tenantId);
    };
    return {
      pass: (afterMs = 0) => {
        if (passed) return;
        passed = true;
        if (afterMs > 0) setTimeout(handOn, afterMs);
        else handOn();
      },
    };
  }
}

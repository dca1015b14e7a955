import { DomainError } from '../domain/errors';

/** Reads shaped by one tenant's filters that run at once on a process; the others of the tenant wait their turn. */
export const FILTERED_READS_PER_TENANT = 1;
/** Reads of one tenant waiting for their turn at most; one more is UNAVAILABLE. */
export const FILTERED_READS_WAITING_PER_TENANT = 8;
/**
 * The share of the time one tenant's filtered reads may keep a database connection busy: after a read
 * of `d` ms the tenant's next one starts `d` ms later at the earliest. Reads under PACE_FROM_MS pass
 * the turn at once.
 */
export const FILTERED_READ_SHARE = 0.5;
const PACE_FROM_MS = 20;

interface TenantLine {
  running: number;
  readonly waiting: (() => void)[];
}

/**
 * The line that reads shaped by a tenant's filter (the ones no index pins, run within the read budget)
 * go through. Each may cost the read budget in database CPU: four at once of one tenant kept PostgreSQL
 * busy on both cores of a small machine while other tenants waited (issue 13's noisy-neighbour gate,
 * filter phase), and on SQLite they share one reader thread. One at a time per tenant, and paced to
 * FILTERED_READ_SHARE of the time, leaves the rest of the machine to the others; a tenant's further
 * reads wait in its own line, not in anyone else's.
 * Reads inside a transaction do not queue here (see Tx.allWithinBudget).
 */
export class FilteredReads {
  private readonly lines = new Map<string, TenantLine>();

  async run<T>(tenantId: string, read: () => Promise<T>): Promise<T> {
    const line = this.lines.get(tenantId) ?? { running: 0, waiting: [] };
    this.lines.set(tenantId, line);
    if (line.running >= FILTERED_READS_PER_TENANT) {
      if (line.waiting.length >= FILTERED_READS_WAITING_PER_TENANT) {
        throw new DomainError('UNAVAILABLE', `at most ${FILTERED_READS_PER_TENANT + FILTERED_READS_WAITING_PER_TENANT} filtered reads of one tenant run or wait at once; retry shortly`);
      }
      await new Promise<void>((resume) => line.waiting.push(resume));
    } else {
      line.running += 1;
    }
    const started = performance.now();
    try {
      return await read();
    } finally {
      const elapsed = performance.now() - started;
      const rest = elapsed >= PACE_FROM_MS ? (elapsed * (1 - FILTERED_READ_SHARE)) / FILTERED_READ_SHARE : 0;
      if (rest > 0) setTimeout(() => this.passTurn(tenantId, line), rest);
      else this.passTurn(tenantId, line);
    }
  }

  private passTurn(tenantId: string, line: TenantLine): void {
    const next = line.waiting.shift();
    // The turn passes to the next read of the tenant as it is (running stays counted).
    if (next) next();
    else if (--line.running === 0) this.lines.delete(tenantId);
  }
}

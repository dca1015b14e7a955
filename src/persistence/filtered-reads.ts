import { DomainError } from '../domain/errors';
import { TenantTurns } from '../domain/tenants/tenant-turns';

/** Reads of one tenant waiting for their turn at most (one runs); one more is UNAVAILABLE. */
export const FILTERED_READS_WAITING_PER_TENANT = 8;
/**
 * The share of the time one tenant's filtered reads may keep a database connection busy: after a read
 * of `d` ms the tenant's next one starts `3 d` ms later at the earliest. Reads under PACE_FROM_MS pass
 * the turn at once.
 */
export const FILTERED_READ_SHARE = 0.25;
const PACE_FROM_MS = 20;

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
  private readonly turns = new TenantTurns(FILTERED_READS_WAITING_PER_TENANT, { share: FILTERED_READ_SHARE, fromMs: PACE_FROM_MS });

  run<T>(tenantId: string, read: () => Promise<T>): Promise<T> {
    const running = this.turns.run(tenantId, read);
    if (!running) return Promise.reject(new DomainError('UNAVAILABLE', `one filtered read of a tenant runs at a time and at most ${FILTERED_READS_WAITING_PER_TENANT} wait; retry shortly`));
    return running;
  }
}
